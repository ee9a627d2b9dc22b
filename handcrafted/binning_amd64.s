#include "textflag.h"

// func hardBinAVX(bin *int32, mag, gx, gy, ox, oy *float32, nk, n int)
// VLFeat's hard orientation binning for n/8*8 pixels, and the gradients'
// norms; see hardBins.
TEXT ·hardBinAVX(SB), NOSPLIT, $0-64
	MOVQ bin+0(FP), DI
	MOVQ mag+8(FP), R11
	MOVQ gx+16(FP), SI
	MOVQ gy+24(FP), DX
	MOVQ ox+32(FP), R8
	MOVQ oy+40(FP), R9
	MOVQ nk+48(FP), R10
	MOVQ n+56(FP), CX
	SHRQ $3, CX
	JZ   hbdone
	MOVL $0x7fffffff, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15 // |·| mask
	MOVL $0x2edbe6ff, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14 // 1e-10
	MOVL $0xbf800000, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13 // −1
	MOVL $1, AX
	VMOVD AX, X12
	VPBROADCASTD X12, Y12 // int 1
	VMOVD R10, X11
	VPBROADCASTD X11, Y11 // int nk
	VXORPS Y10, Y10, Y10  // 0
hbloop:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMULPS  Y0, Y0, Y2
	VMULPS  Y1, Y1, Y3
	VADDPS  Y3, Y2, Y2
	VSQRTPS Y2, Y2
	VMOVUPS Y2, (R11)   // ‖g‖
	VMAXPS  Y14, Y2, Y2 // m = max(‖g‖, 1e-10)
	VDIVPS  Y2, Y0, Y0  // ux
	VDIVPS  Y2, Y1, Y1  // uy
	VMOVAPS Y13, Y4     // best |s| = −1
	VXORPS  Y5, Y5, Y5  // best k
	VXORPS  Y6, Y6, Y6  // its s < 0
	VXORPS  Y7, Y7, Y7  // k
	XORQ    BX, BX
hbk:
	VBROADCASTSS (R8)(BX*4), Y8
	VBROADCASTSS (R9)(BX*4), Y9
	VMULPS       Y8, Y0, Y8
	VMULPS       Y9, Y1, Y9
	VADDPS       Y9, Y8, Y8       // s = ux·ox + uy·oy
	VANDPS       Y15, Y8, Y9      // |s|
	VCMPPS       $0x1E, Y4, Y9, Y3 // |s| > best (GT_OQ)
	VBLENDVPS    Y3, Y9, Y4, Y4
	VBLENDVPS    Y3, Y7, Y5, Y5
	VCMPPS       $0x11, Y10, Y8, Y9 // s < 0 (LT_OQ)
	VBLENDVPS    Y3, Y9, Y6, Y6
	VPADDD       Y12, Y7, Y7
	INCQ         BX
	CMPQ         BX, R10
	JLT          hbk
	VANDPS       Y11, Y6, Y6
	VPADDD       Y6, Y5, Y5 // + nk where s < 0
	VMOVDQU      Y5, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DX
	ADDQ         $32, DI
	ADDQ         $32, R11
	DECQ         CX
	JNZ          hbloop
hbdone:
	VZEROUPPER
	RET

// func unpoolHardAVX(dx, dy, gx, gy, m *float32, lo, c0, c1 *int32, w0, w1, gmap *float32, nc, n int)
// The backward pass of hard binning and column pooling for n/8*8 pixels of
// a row; see unpoolHard.
TEXT ·unpoolHardAVX(SB), NOSPLIT, $0-104
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), R8
	MOVQ         gx+16(FP), SI
	MOVQ         gy+24(FP), R9
	MOVQ         m+32(FP), R10
	MOVQ         lo+40(FP), R11
	MOVQ         c0+48(FP), R12
	MOVQ         c1+56(FP), R13
	MOVQ         w0+64(FP), R14
	MOVQ         w1+72(FP), BX
	MOVQ         gmap+80(FP), AX
	VPBROADCASTD nc+88(FP), Y15
	MOVQ         n+96(FP), CX
	ANDQ         $-8, CX
	JZ           updone
	VXORPS       Y14, Y14, Y14 // 0
	VPCMPEQD     Y13, Y13, Y13 // every lane gathered
	XORQ         DX, DX
uploop:
	VMOVDQU    (R11)(DX*4), Y0
	VPMULLD    Y15, Y0, Y0          // lo·nc
	VPADDD     (R12)(DX*4), Y0, Y1  // + c0
	VPADDD     (R13)(DX*4), Y0, Y2  // + c1
	VMOVDQA    Y13, Y3
	VGATHERDPS Y3, (AX)(Y1*4), Y4
	VMOVDQA    Y13, Y3
	VGATHERDPS Y3, (AX)(Y2*4), Y5
	VMULPS     (R14)(DX*4), Y4, Y4
	VMULPS     (BX)(DX*4), Y5, Y5
	VADDPS     Y5, Y4, Y4           // gradient of the pixel's bin
	VMOVUPS    (R10)(DX*4), Y6
	VCMPPS     $4, Y14, Y6, Y7      // m ≠ 0 (NEQ_UQ)
	VDIVPS     Y6, Y4, Y4
	VANDPS     Y7, Y4, Y4           // 0 where m = 0
	VMULPS     (SI)(DX*4), Y4, Y8
	VMULPS     (R9)(DX*4), Y4, Y9
	VMOVUPS    Y8, (DI)(DX*4)
	VMOVUPS    Y9, (R8)(DX*4)
	ADDQ       $8, DX
	CMPQ       DX, CX
	JLT        uploop
updone:
	VZEROUPPER
	RET

DATA bconst<>+0(SB)/4, $0x7fffffff  // |·| mask
DATA bconst<>+4(SB)/4, $0x80000000  // sign bit
DATA bconst<>+8(SB)/4, $0x3ed413cd  // tan(π/8) = 0.41421356
DATA bconst<>+12(SB)/4, $0x3f800000 // 1
DATA bconst<>+16(SB)/4, $0x3f490fdb // π/4
DATA bconst<>+20(SB)/4, $0x3fc90fdb // π/2
DATA bconst<>+24(SB)/4, $0x40490fdb // π
DATA bconst<>+28(SB)/4, $0x40c90fdb // 2π
DATA bconst<>+32(SB)/4, $0x3da4f0d1 // Cephes atanf: 8.05374449538e-2
DATA bconst<>+36(SB)/4, $0xbe0e1b85 // −1.38776856032e-1
DATA bconst<>+40(SB)/4, $0x3e4c925f // 1.99777106478e-1
DATA bconst<>+44(SB)/4, $0xbeaaaa2a // −3.33329491539e-1
DATA bconst<>+48(SB)/4, $0x34000000 // FLT_EPSILON 1.19209290e-07
DATA bconst<>+52(SB)/4, $0x4016cbe4 // 3π/4
DATA bconst<>+56(SB)/4, $0x3e3a786c // VLFeat vl_fast_atan2_f: 0.1821
DATA bconst<>+60(SB)/4, $0xbf77ae14 // −0.9675
GLOBL bconst<>(SB), RODATA|NOPTR, $64

// func bilinearBinAVX(lo *int32, f, mag, gx, gy *float32, scale, nk float32, fast bool, n int)
// Bilinear orientation binning of n/8*8 pixels, as binning.angle and
// binRow compute it one at a time: mag = ‖g‖, θ = atan2(gy, gx) in
// [0, 2π) (Cephes atanf's polynomial, or VLFeat's fast approximation
// when fast), nt = θ·scale folded below nk, lo = ⌊nt⌋ and f = nt − lo;
// lo and f are 0 where ‖g‖ = 0. No branches: the octant and quadrant
// fixes are blends (as branches they mispredicted on every other pixel).
TEXT ·bilinearBinAVX(SB), NOSPLIT, $0-64
	MOVQ lo+0(FP), DI
	MOVQ f+8(FP), R8
	MOVQ mag+16(FP), R9
	MOVQ gx+24(FP), SI
	MOVQ gy+32(FP), DX
	MOVQ n+56(FP), CX
	SHRQ $3, CX
	JZ   bbdone
	VBROADCASTSS bconst<>+0(SB), Y15
	VBROADCASTSS bconst<>+4(SB), Y14
	VBROADCASTSS scale+40(FP), Y13
	MOVBQZX fast+48(FP), AX
bbloop:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMULPS  Y0, Y0, Y2
	VMULPS  Y1, Y1, Y3
	VADDPS  Y3, Y2, Y2
	VSQRTPS Y2, Y2
	VMOVUPS Y2, (R9)
	VANDPS  Y15, Y0, Y3 // |gx|
	VANDPS  Y15, Y1, Y4 // |gy|
	TESTQ   AX, AX
	JNE     fastangle
	VMINPS  Y4, Y3, Y5
	VMAXPS  Y4, Y3, Y6
	VDIVPS  Y6, Y5, Y5 // t = min/max
	VBROADCASTSS bconst<>+8(SB), Y12
	VCMPPS  $0x1E, Y12, Y5, Y7 // t > tan(π/8)
	VBROADCASTSS bconst<>+12(SB), Y12
	VSUBPS  Y12, Y5, Y8
	VADDPS  Y12, Y5, Y9
	VDIVPS  Y9, Y8, Y8 // (t − 1)/(t + 1)
	VBLENDVPS Y7, Y8, Y5, Y5
	VBROADCASTSS bconst<>+16(SB), Y12
	VANDPS  Y12, Y7, Y9 // π/4 where reduced
	VMULPS  Y5, Y5, Y10 // z
	VBROADCASTSS bconst<>+32(SB), Y11
	VBROADCASTSS bconst<>+36(SB), Y12
	VFMADD213PS Y12, Y10, Y11
	VBROADCASTSS bconst<>+40(SB), Y12
	VFMADD213PS Y12, Y10, Y11
	VBROADCASTSS bconst<>+44(SB), Y12
	VFMADD213PS Y12, Y10, Y11
	VMULPS  Y10, Y11, Y11
	VMULPS  Y5, Y11, Y11
	VADDPS  Y5, Y11, Y11
	VADDPS  Y9, Y11, Y11 // atan(min/max)
	VCMPPS  $0x1E, Y3, Y4, Y7 // |gy| > |gx|
	VBROADCASTSS bconst<>+20(SB), Y8
	VSUBPS  Y11, Y8, Y8
	VBLENDVPS Y7, Y8, Y11, Y11
	VBROADCASTSS bconst<>+24(SB), Y8
	VSUBPS  Y11, Y8, Y8
	VBLENDVPS Y0, Y8, Y11, Y11 // gx < 0 (by its sign): π − r
	VANDPS  Y14, Y1, Y8
	VXORPS  Y8, Y11, Y11 // gy < 0: −r
	JMP     fold
fastangle:
	// VLFeat's vl_fast_atan2_f, its comparisons as in C (−0 ≥ 0).
	VBROADCASTSS bconst<>+48(SB), Y12
	VADDPS  Y12, Y4, Y4 // ay = |gy| + ε
	VXORPS  Y12, Y12, Y12
	VCMPPS  $0x11, Y12, Y0, Y7 // gx < 0
	VSUBPS  Y4, Y0, Y5 // gx − ay
	VADDPS  Y4, Y0, Y6 // gx + ay
	VSUBPS  Y0, Y4, Y8 // ay − gx
	VBLENDVPS Y7, Y6, Y5, Y5 // numerator
	VBLENDVPS Y7, Y8, Y6, Y6 // denominator
	VDIVPS  Y6, Y5, Y5 // r
	VBROADCASTSS bconst<>+16(SB), Y9
	VBROADCASTSS bconst<>+52(SB), Y8
	VBLENDVPS Y7, Y8, Y9, Y9 // π/4 or 3π/4
	VMULPS  Y5, Y5, Y10
	VBROADCASTSS bconst<>+56(SB), Y11
	VBROADCASTSS bconst<>+60(SB), Y8
	VMULPS  Y10, Y11, Y11
	VADDPS  Y8, Y11, Y11
	VMULPS  Y5, Y11, Y11
	VADDPS  Y9, Y11, Y11
	VCMPPS  $0x11, Y12, Y1, Y7 // gy < 0
	VANDPS  Y14, Y7, Y8
	VXORPS  Y8, Y11, Y11
fold:
	VBROADCASTSS bconst<>+28(SB), Y8
	VADDPS  Y8, Y11, Y8
	VBLENDVPS Y11, Y8, Y11, Y11 // θ < 0: θ + 2π
	VMULPS  Y13, Y11, Y11       // nt
	VBROADCASTSS nk+44(FP), Y12
	VCMPPS  $0x1D, Y12, Y11, Y7 // nt ≥ K
	VSUBPS  Y12, Y11, Y8
	VBLENDVPS Y7, Y8, Y11, Y11
	VCVTTPS2DQ Y11, Y6
	VCVTDQ2PS  Y6, Y8
	VSUBPS  Y8, Y11, Y11 // f
	VXORPS  Y12, Y12, Y12
	VCMPPS  $0x00, Y12, Y2, Y7 // ‖g‖ = 0
	VANDNPS Y6, Y7, Y6
	VANDNPS Y11, Y7, Y11
	VMOVDQU Y6, (DI)
	VMOVUPS Y11, (R8)
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     bbloop
bbdone:
	VZEROUPPER
	RET

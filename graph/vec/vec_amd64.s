#include "textflag.h"

// Vector forms of the primitives in vec.go, eight floats a step
// (AVX2). Each handles n/8 blocks of eight; the Go callers finish the tail.

// func deinterleaveAVX(e, o, src *float32, n int)
// e[i] = src[2i], o[i] = src[2i+1] for i < n/8*8.
TEXT ·deinterleaveAVX(SB), NOSPLIT, $0-32
	MOVQ e+0(FP), DI
	MOVQ o+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   deidone
deiloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2 // a0 a2 b0 b2 | a4 a6 b4 b6
	VSHUFPS $0xDD, Y1, Y0, Y3 // a1 a3 b1 b3 | a5 a7 b5 b7
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ    $64, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     deiloop
deidone:
	VZEROUPPER
	RET

// func reluAVX(dst, src *float32, n int)
// dst[i] = max(src[i], +0) for i < n/8*8; NaN and −0 give +0.
TEXT ·reluAVX(SB), NOSPLIT, $0-24
	MOVQ   dst+0(FP), DI
	MOVQ   src+8(FP), SI
	MOVQ   n+16(FP), CX
	SHRQ   $3, CX
	JZ     reludone
	VXORPS Y1, Y1, Y1
reluloop:
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y1, Y0 // max(0, src): src when NaN (MAXPS returns its second source then)
	VADDPS  Y1, Y0, Y0 // −0 + 0 = +0; NaN stays NaN
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     reluloop
reludone:
	VZEROUPPER
	RET

// func reluGradAVX(dst, y, grad *float32, n int)
// dst[i] = y[i] > 0 ? grad[i] : 0 for i < n/8*8.
TEXT ·reluGradAVX(SB), NOSPLIT, $0-32
	MOVQ   dst+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   grad+16(FP), DX
	MOVQ   n+24(FP), CX
	SHRQ   $3, CX
	JZ     rgdone
	VXORPS Y1, Y1, Y1
rgloop:
	VMOVUPS (SI), Y0
	VCMPPS  $0x0E, Y1, Y0, Y0 // y > 0 (GT_OS)
	VANDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     rgloop
rgdone:
	VZEROUPPER
	RET

// func argmaxTapAVX(best *float32, idx *int32, tap *float32, start, step int32, n int)
// Where tap[i] > best[i]: best[i] = tap[i], idx[i] = start + step·i.
TEXT ·argmaxTapAVX(SB), NOSPLIT, $0-40
	MOVQ         best+0(FP), DI
	MOVQ         idx+8(FP), DX
	MOVQ         tap+16(FP), SI
	MOVL         start+24(FP), AX
	MOVL         step+28(FP), BX
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           amdone
	VMOVD        AX, X4
	VPBROADCASTD X4, Y4 // start
	VMOVD        BX, X5
	VPBROADCASTD X5, Y5 // step
	VMOVDQU      lanes<>(SB), Y6
	VPMULLD      Y5, Y6, Y6
	VPADDD       Y6, Y4, Y4 // start + step·lane
	VPSLLD       $3, Y5, Y5 // 8·step
amloop:
	VMOVUPS   (SI), Y0
	VMOVUPS   (DI), Y1
	VCMPPS    $0x1E, Y1, Y0, Y2 // tap > best (GT_OQ)
	VBLENDVPS Y2, Y0, Y1, Y1
	VMOVUPS   Y1, (DI)
	VMOVDQU   (DX), Y3
	VBLENDVPS Y2, Y4, Y3, Y3
	VMOVDQU   Y3, (DX)
	VPADDD    Y5, Y4, Y4
	ADDQ      $32, DI
	ADDQ      $32, DX
	ADDQ      $32, SI
	DECQ      CX
	JNZ       amloop
amdone:
	VZEROUPPER
	RET

DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $32

// func lrnScaleAVX(r, rs, s *float32, bias, a float32, n int)
// With v = bias + a·s[i]: r[i] = v^−0.75, rs[i] = v^−1.75, for i < n/8*8.
TEXT ·lrnScaleAVX(SB), NOSPLIT, $0-40
	MOVQ         r+0(FP), DI
	MOVQ         rs+8(FP), DX
	MOVQ         s+16(FP), SI
	VBROADCASTSS bias+24(FP), Y4
	VBROADCASTSS a+28(FP), Y5
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           lsdone
	MOVL         $0x3f800000, AX
	VMOVD        AX, X6
	VPBROADCASTD X6, Y6 // 1
lsloop:
	VMOVUPS     (SI), Y0
	VMOVAPS     Y4, Y1
	VFMADD231PS Y0, Y5, Y1 // v = bias + a·s
	VSQRTPS     Y1, Y2     // v^½
	VSQRTPS     Y2, Y3     // v^¼
	VMULPS      Y3, Y2, Y3 // v^¾
	VDIVPS      Y3, Y6, Y3 // v^−¾
	VMOVUPS     Y3, (DI)
	VDIVPS      Y1, Y3, Y3 // v^−1.75
	VMOVUPS     Y3, (DX)
	ADDQ        $32, DI
	ADDQ        $32, DX
	ADDQ        $32, SI
	DECQ        CX
	JNZ         lsloop
lsdone:
	VZEROUPPER
	RET

// func clipAVX(dst, src *float32, lo, hi float32, n int)
// dst[i] = min(max(src[i], lo), hi) for i < n/8*8 (a NaN stays NaN).
TEXT ·clipAVX(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS lo+16(FP), Y1
	VBROADCASTSS hi+20(FP), Y2
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           clipdone
cliploop:
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y1, Y0 // max(lo, src), min(hi, ·): a NaN comes through
	VMINPS  Y0, Y2, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     cliploop
clipdone:
	VZEROUPPER
	RET

// func clipGradAVX(dst, x, grad *float32, lo, hi float32, n int)
// dst[i] = lo < x[i] < hi ? grad[i] : 0 for i < n/8*8.
TEXT ·clipGradAVX(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         grad+16(FP), DX
	VBROADCASTSS lo+24(FP), Y1
	VBROADCASTSS hi+28(FP), Y2
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           cgdone
cgloop:
	VMOVUPS (SI), Y0
	VCMPPS  $0x1E, Y1, Y0, Y3 // x > lo (GT_OQ)
	VCMPPS  $0x11, Y2, Y0, Y4 // x < hi (LT_OQ)
	VANDPS  Y4, Y3, Y3
	VANDPS  (DX), Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     cgloop
cgdone:
	VZEROUPPER
	RET

// MAXROW folds one window row into the running maxima Y0 and indices Y1:
// the row's taps j = 0, 1, 2 of eight windows (even, odd and next even
// floats from ptr), their indices from the row offset off (broadcast) plus
// Y10 (x0 + 2k), the next tap's by adding Y12 (1).
#define MAXROW(ptr, off) \
	VMOVUPS   (ptr), Y2 \
	VMOVUPS   32(ptr), Y3 \
	VSHUFPS   $0x88, Y3, Y2, Y4 \
	VPERMPD   $0xD8, Y4, Y4 \
	VSHUFPS   $0xDD, Y3, Y2, Y5 \
	VPERMPD   $0xD8, Y5, Y5 \
	VMOVUPS   8(ptr), Y2 \
	VMOVUPS   40(ptr), Y3 \
	VSHUFPS   $0x88, Y3, Y2, Y6 \
	VPERMPD   $0xD8, Y6, Y6 \
	VPADDD    off, Y10, Y9 \
	VCMPPS    $0x1E, Y0, Y4, Y7 \
	VBLENDVPS Y7, Y4, Y0, Y0 \
	VBLENDVPS Y7, Y9, Y1, Y1 \
	VPADDD    Y12, Y9, Y9 \
	VCMPPS    $0x1E, Y0, Y5, Y7 \
	VBLENDVPS Y7, Y5, Y0, Y0 \
	VBLENDVPS Y7, Y9, Y1, Y1 \
	VPADDD    Y12, Y9, Y9 \
	VCMPPS    $0x1E, Y0, Y6, Y7 \
	VBLENDVPS Y7, Y6, Y0, Y0 \
	VBLENDVPS Y7, Y9, Y1, Y1

// func maxPool3s2AVX(best *float32, idx *int32, r0, r1, r2 *float32, off0, off1, off2, x0 int32, n int)
// The first maximum, in row-major order, of n/8*8 windows of 3×3 taps at
// stride 2 over three rows: window k covers r_i[2k .. 2k+2]; its index is
// off_i + x0 + 2k + j. Each row is read to r_i[2·(n/8·8) + 1] (one float
// past the last window).
TEXT ·maxPool3s2AVX(SB), NOSPLIT, $0-64
	MOVQ         best+0(FP), DI
	MOVQ         idx+8(FP), DX
	MOVQ         r0+16(FP), R8
	MOVQ         r1+24(FP), R9
	MOVQ         r2+32(FP), R10
	MOVL         off0+40(FP), AX
	VMOVD        AX, X13
	VPBROADCASTD X13, Y13
	MOVL         off1+44(FP), AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	MOVL         off2+48(FP), AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	MOVL         x0+52(FP), AX
	VMOVD        AX, X10
	VPBROADCASTD X10, Y10
	VMOVDQU      evenLanes<>(SB), Y11
	VPADDD       Y11, Y10, Y10 // x0 + 2k
	MOVL         $16, AX
	VMOVD        AX, X11
	VPBROADCASTD X11, Y11 // 16: the next block
	MOVL         $1, AX
	VMOVD        AX, X12
	VPBROADCASTD X12, Y12 // 1: the next tap
	MOVQ         n+56(FP), CX
	SHRQ         $3, CX
	JZ           mpdone
mploop:
	VBROADCASTSS negInf<>(SB), Y0
	VPCMPEQD     Y1, Y1, Y1 // −1

	MAXROW(R8, Y13)
	MAXROW(R9, Y14)
	MAXROW(R10, Y15)

	VMOVUPS Y0, (DI)
	VMOVDQU Y1, (DX)
	ADDQ    $32, DI
	ADDQ    $32, DX
	ADDQ    $64, R8
	ADDQ    $64, R9
	ADDQ    $64, R10
	VPADDD  Y11, Y10, Y10
	DECQ    CX
	JNZ     mploop
mpdone:
	VZEROUPPER
	RET

DATA evenLanes<>+0(SB)/4, $0
DATA evenLanes<>+4(SB)/4, $2
DATA evenLanes<>+8(SB)/4, $4
DATA evenLanes<>+12(SB)/4, $6
DATA evenLanes<>+16(SB)/4, $8
DATA evenLanes<>+20(SB)/4, $10
DATA evenLanes<>+24(SB)/4, $12
DATA evenLanes<>+28(SB)/4, $14
GLOBL evenLanes<>(SB), RODATA|NOPTR, $32

DATA negInf<>+0(SB)/4, $0xff800000
GLOBL negInf<>(SB), RODATA|NOPTR, $4

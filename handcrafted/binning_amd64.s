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

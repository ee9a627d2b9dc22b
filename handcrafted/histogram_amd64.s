#include "textflag.h"

// func poolRow512(out0, out1 *float32, wr0, wr1 float32, m *float32, lo *int32, runs *int32, w *float32, onehot *float32, scratch *float32, nc int)
// Pools one pixel row of hard-binned gradients into nc cells and adds the
// cells, times wr0 and wr1, to the two rows of cells out0 and out1 (32
// floats a cell, one per bin). Cell c takes the runs[2c+1] ≤ 16 pixels
// from runs[2c] with weights w[16c:]: their m·w, then each one's row of
// onehot (32 floats, 1 at its bin) times it, in four accumulators. Reads
// lo up to three past a run's end.
TEXT ·poolRow512(SB), NOSPLIT, $0-80
	MOVQ         out0+0(FP), DI
	MOVQ         out1+8(FP), SI
	VBROADCASTSS wr0+16(FP), Z28
	VBROADCASTSS wr1+20(FP), Z29
	MOVQ         m+24(FP), R8
	MOVQ         lo+32(FP), R9
	MOVQ         runs+40(FP), R10
	MOVQ         w+48(FP), R11
	MOVQ         onehot+56(FP), R12
	MOVQ         scratch+64(FP), R13
	MOVQ         nc+72(FP), R14
	TESTQ        R14, R14
	JZ           prdone
prcell:
	MOVL      (R10), AX  // first pixel
	MOVL      4(R10), DX // pixels
	MOVL      $1, BX
	MOVL      DX, CX
	SHLL      CX, BX
	DECL      BX
	KMOVW     BX, K1
	VMOVUPS.Z (R8)(AX*4), K1, Z0
	VMULPS    (R11), Z0, Z0 // m·w, 0 past the run
	VMOVUPS   Z0, (R13)
	MOVQ      R13, BX
	VXORPS    Z1, Z1, Z1
	VXORPS    Z2, Z2, Z2
	VXORPS    Z3, Z3, Z3
	VXORPS    Z4, Z4, Z4
	VXORPS    Z5, Z5, Z5
	VXORPS    Z6, Z6, Z6
	VXORPS    Z7, Z7, Z7
	VXORPS    Z8, Z8, Z8
prpix:
	MOVL         (R9)(AX*4), CX
	SHLQ         $7, CX
	VBROADCASTSS (BX), Z9
	VFMADD231PS  (R12)(CX*1), Z9, Z1
	VFMADD231PS  64(R12)(CX*1), Z9, Z5
	MOVL         4(R9)(AX*4), CX
	SHLQ         $7, CX
	VBROADCASTSS 4(BX), Z10
	VFMADD231PS  (R12)(CX*1), Z10, Z2
	VFMADD231PS  64(R12)(CX*1), Z10, Z6
	MOVL         8(R9)(AX*4), CX
	SHLQ         $7, CX
	VBROADCASTSS 8(BX), Z11
	VFMADD231PS  (R12)(CX*1), Z11, Z3
	VFMADD231PS  64(R12)(CX*1), Z11, Z7
	MOVL         12(R9)(AX*4), CX
	SHLQ         $7, CX
	VBROADCASTSS 12(BX), Z12
	VFMADD231PS  (R12)(CX*1), Z12, Z4
	VFMADD231PS  64(R12)(CX*1), Z12, Z8
	ADDQ         $4, AX
	ADDQ         $16, BX
	SUBL         $4, DX
	JGT          prpix
	VADDPS       Z2, Z1, Z1
	VADDPS       Z4, Z3, Z3
	VADDPS       Z3, Z1, Z1
	VADDPS       Z6, Z5, Z5
	VADDPS       Z8, Z7, Z7
	VADDPS       Z7, Z5, Z5
	VMOVUPS      (DI), Z13
	VMOVUPS      64(DI), Z14
	VFMADD231PS  Z1, Z28, Z13
	VFMADD231PS  Z5, Z28, Z14
	VMOVUPS      Z13, (DI)
	VMOVUPS      Z14, 64(DI)
	VMOVUPS      (SI), Z13
	VMOVUPS      64(SI), Z14
	VFMADD231PS  Z1, Z29, Z13
	VFMADD231PS  Z5, Z29, Z14
	VMOVUPS      Z13, (SI)
	VMOVUPS      Z14, 64(SI)
	ADDQ         $128, DI
	ADDQ         $128, SI
	ADDQ         $8, R10
	ADDQ         $64, R11
	DECQ         R14
	JNZ          prcell
prdone:
	VZEROUPPER
	RET

// func hardBin512(bin *int32, mag, gx, gy, ox, oy *float32, nk, n int)
// hardBinAVX sixteen pixels a step, for n/16*16 pixels: the same float32
// operations in the same order, the running best kept under masks.
TEXT ·hardBin512(SB), NOSPLIT, $0-64
	MOVQ         bin+0(FP), DI
	MOVQ         mag+8(FP), R11
	MOVQ         gx+16(FP), SI
	MOVQ         gy+24(FP), DX
	MOVQ         ox+32(FP), R8
	MOVQ         oy+40(FP), R9
	MOVQ         nk+48(FP), R10
	MOVQ         n+56(FP), CX
	SHRQ         $4, CX
	JZ           hb5done
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z15 // |·| mask
	MOVL         $0x2edbe6ff, AX
	VPBROADCASTD AX, Z14 // 1e-10
	MOVL         $0xbf800000, AX
	VPBROADCASTD AX, Z13 // −1
	MOVL         $1, AX
	VPBROADCASTD AX, Z12 // int 1
	VPBROADCASTD R10, Z11 // int nk
	VPXORD       Z10, Z10, Z10 // 0
hb5loop:
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	VMULPS  Z0, Z0, Z2
	VMULPS  Z1, Z1, Z3
	VADDPS  Z3, Z2, Z2
	VSQRTPS Z2, Z2
	VMOVUPS Z2, (R11)   // ‖g‖
	VMAXPS  Z14, Z2, Z2 // m = max(‖g‖, 1e-10)
	VDIVPS  Z2, Z0, Z0  // ux
	VDIVPS  Z2, Z1, Z1  // uy
	VMOVAPS Z13, Z4     // best |s| = −1
	VPXORD  Z5, Z5, Z5  // best k
	VPXORD  Z6, Z6, Z6  // best s
	VPXORD  Z7, Z7, Z7  // k
	XORQ    BX, BX
hb5k:
	VMULPS.BCST (R8)(BX*4), Z0, Z8
	VMULPS.BCST (R9)(BX*4), Z1, Z9
	VADDPS      Z9, Z8, Z8      // s = ux·ox + uy·oy
	VPANDD      Z15, Z8, Z9     // |s|
	VCMPPS      $0x1E, Z4, Z9, K1 // |s| > best (GT_OQ)
	VMOVAPS     Z9, K1, Z4
	VMOVDQA32   Z7, K1, Z5
	VMOVAPS     Z8, K1, Z6
	VPADDD      Z12, Z7, Z7
	INCQ        BX
	CMPQ        BX, R10
	JLT         hb5k
	VCMPPS      $0x11, Z10, Z6, K2 // best s < 0 (LT_OQ)
	VPADDD      Z11, Z5, K2, Z5    // + nk there
	VMOVDQU32   Z5, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DX
	ADDQ        $64, DI
	ADDQ        $64, R11
	DECQ        CX
	JNZ         hb5loop
hb5done:
	VZEROUPPER
	RET

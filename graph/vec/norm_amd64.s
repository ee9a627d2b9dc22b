#include "textflag.h"

// The vector parts of a layer norm (graph's standardize): statistics of a
// run, the normalisation with per-element weights, and its gradient.

// func sumSqAVX(x *float32, c float32, n int) (s, q float32)
// s = Σ (x[i]−c), q = Σ (x[i]−c)² over i < n/16*16.
TEXT ·sumSqAVX(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	VBROADCASTSS c+8(FP), Y8
	MOVQ         n+16(FP), CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	VXORPS       Y2, Y2, Y2
	VXORPS       Y3, Y3, Y3
	SHRQ         $4, CX
	JZ           sumsq_done
sumsq_loop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VSUBPS      Y8, Y4, Y4
	VSUBPS      Y8, Y5, Y5
	VADDPS      Y4, Y0, Y0
	VADDPS      Y5, Y1, Y1
	VFMADD231PS Y4, Y4, Y2
	VFMADD231PS Y5, Y5, Y3
	ADDQ        $64, SI
	DECQ        CX
	JNZ         sumsq_loop
sumsq_done:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VEXTRACTF128 $1, Y2, X3
	VADDPS       X3, X2, X2
	VHADDPS      X2, X2, X2
	VHADDPS      X2, X2, X2
	VZEROUPPER
	VMOVSS        X0, s+24(FP)
	VMOVSS        X2, q+28(FP)
	RET

// func normAffineAVX(y, x, gamma, beta *float32, m, inv float32, n int)
// y[i] = (x[i]−m)·inv·gamma[i] + beta[i] for i < n/8*8.
TEXT ·normAffineAVX(SB), NOSPLIT, $0-48
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         gamma+16(FP), DX
	MOVQ         beta+24(FP), BX
	VBROADCASTSS m+32(FP), Y8
	VBROADCASTSS inv+36(FP), Y9
	MOVQ         n+40(FP), CX
	SHRQ         $3, CX
	JZ           affine_done
affine_loop:
	VMOVUPS     (SI), Y0
	VSUBPS      Y8, Y0, Y0
	VMULPS      Y9, Y0, Y0
	VMOVUPS     (BX), Y1
	VFMADD231PS (DX), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, BX
	DECQ        CX
	JNZ         affine_loop
affine_done:
	VZEROUPPER
	RET

// func normGradAVX(d, x *float32, a, c, m, inv float32, n int)
// d[i] = inv·(d[i] − a − (x[i]−m)·c) for i < n/8*8.
TEXT ·normGradAVX(SB), NOSPLIT, $0-40
	MOVQ         d+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS a+16(FP), Y8
	VBROADCASTSS c+20(FP), Y9
	VBROADCASTSS m+24(FP), Y10
	VBROADCASTSS inv+28(FP), Y11
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           ngrad_done
ngrad_loop:
	VMOVUPS      (SI), Y0
	VSUBPS       Y10, Y0, Y0
	VMOVUPS      (DI), Y1
	VSUBPS       Y8, Y1, Y1
	VFNMADD231PS Y9, Y0, Y1
	VMULPS       Y11, Y1, Y1
	VMOVUPS      Y1, (DI)
	ADDQ         $32, DI
	ADDQ         $32, SI
	DECQ         CX
	JNZ          ngrad_loop
ngrad_done:
	VZEROUPPER
	RET

// func dotShiftAVX(u, x *float32, c float32, n int) float32
// Σ u[i]·(x[i]−c) over i < n/16*16.
TEXT ·dotShiftAVX(SB), NOSPLIT, $0-36
	MOVQ         u+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS c+16(FP), Y8
	MOVQ         n+24(FP), CX
	VXORPS       Y0, Y0, Y0
	VXORPS       Y1, Y1, Y1
	SHRQ         $4, CX
	JZ           dshift_done
dshift_loop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VSUBPS      Y8, Y4, Y4
	VSUBPS      Y8, Y5, Y5
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         dshift_loop
dshift_done:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	VMOVSS        X0, ret+32(FP)
	RET

#include "textflag.h"

// func dotAVX(a, b *float32, n int) float32
// Σ a[i]·b[i] over i < n/32*32, in four accumulators of eight.
TEXT ·dotAVX(SB), NOSPLIT, $0-28
	MOVQ   a+0(FP), SI
	MOVQ   b+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	SHRQ   $5, CX
	JZ     dotsum
dotloop:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	DECQ        CX
	JNZ         dotloop
dotsum:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VZEROUPPER
	VMOVSS        X0, ret+24(FP)
	RET

// func axpyAVX(y, x *float32, alpha float32, n int)
// y[i] += alpha·x[i] for i < n/16*16.
TEXT ·axpyAVX(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS alpha+16(FP), Y2
	MOVQ         n+24(FP), CX
	SHRQ         $4, CX
	JZ           axpydone
axpyloop:
	VMOVUPS     (DI), Y0
	VMOVUPS     32(DI), Y1
	VFMADD231PS (SI), Y2, Y0
	VFMADD231PS 32(SI), Y2, Y1
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	DECQ        CX
	JNZ         axpyloop
axpydone:
	VZEROUPPER
	RET

// func scaleAddAVX(dst, src *float32, a, c float32, n int)
// dst[i] = a·src[i] + c (one rounding) for i < n/16*16.
TEXT ·scaleAddAVX(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS a+16(FP), Y2
	VBROADCASTSS c+20(FP), Y3
	MOVQ         n+24(FP), CX
	SHRQ         $4, CX
	JZ           sadone
saloop:
	VMOVUPS     (SI), Y0
	VMOVUPS     32(SI), Y1
	VFMADD132PS Y2, Y3, Y0
	VFMADD132PS Y2, Y3, Y1
	VMOVUPS     Y0, (DI)
	VMOVUPS     Y1, 32(DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	DECQ        CX
	JNZ         saloop
sadone:
	VZEROUPPER
	RET

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

// func axpy512(y, x *float32, alpha float32, n int)
// y[i] += alpha·x[i] for all i < n: 32 a step, then one or two masked
// steps for the rest. Rows of 55 to 62, as HOG's cell maps have, left a
// scalar tail of up to fifteen elements on axpyAVX.
TEXT ·axpy512(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS alpha+16(FP), Z2
	MOVQ         n+24(FP), CX
a512loop:
	CMPQ        CX, $32
	JLT         a512tail
	VMOVUPS     (DI), Z0
	VMOVUPS     64(DI), Z1
	VFMADD231PS (SI), Z2, Z0
	VFMADD231PS 64(SI), Z2, Z1
	VMOVUPS     Z0, (DI)
	VMOVUPS     Z1, 64(DI)
	ADDQ        $128, DI
	ADDQ        $128, SI
	SUBQ        $32, CX
	JMP         a512loop
a512tail:
	CMPQ        CX, $16
	JLT         a512mask
	VMOVUPS     (DI), Z0
	VFMADD231PS (SI), Z2, Z0
	VMOVUPS     Z0, (DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	SUBQ        $16, CX
a512mask:
	TESTQ       CX, CX
	JZ          a512done
	MOVL        $1, AX
	SHLL        CX, AX
	DECL        AX
	KMOVW       AX, K1
	VMOVUPS.Z   (DI), K1, Z0
	VMOVUPS.Z   (SI), K1, Z1
	VFMADD231PS Z1, Z2, Z0
	VMOVUPS     Z0, K1, (DI)
a512done:
	VZEROUPPER
	RET

// func scaleAdd512(dst, src *float32, a, c float32, n int)
// scaleAddAVX for all i < n, the rest under a mask as in axpy512.
TEXT ·scaleAdd512(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS a+16(FP), Z2
	VBROADCASTSS c+20(FP), Z3
	MOVQ         n+24(FP), CX
s512loop:
	CMPQ        CX, $32
	JLT         s512tail
	VMOVUPS     (SI), Z0
	VMOVUPS     64(SI), Z1
	VFMADD132PS Z2, Z3, Z0
	VFMADD132PS Z2, Z3, Z1
	VMOVUPS     Z0, (DI)
	VMOVUPS     Z1, 64(DI)
	ADDQ        $128, DI
	ADDQ        $128, SI
	SUBQ        $32, CX
	JMP         s512loop
s512tail:
	CMPQ        CX, $16
	JLT         s512mask
	VMOVUPS     (SI), Z0
	VFMADD132PS Z2, Z3, Z0
	VMOVUPS     Z0, (DI)
	ADDQ        $64, DI
	ADDQ        $64, SI
	SUBQ        $16, CX
s512mask:
	TESTQ       CX, CX
	JZ          s512done
	MOVL        $1, AX
	SHLL        CX, AX
	DECL        AX
	KMOVW       AX, K1
	VMOVUPS.Z   (SI), K1, Z0
	VFMADD132PS Z2, Z3, Z0
	VMOVUPS     Z0, K1, (DI)
s512done:
	VZEROUPPER
	RET

DATA iota16<>+0(SB)/4, $0
DATA iota16<>+4(SB)/4, $1
DATA iota16<>+8(SB)/4, $2
DATA iota16<>+12(SB)/4, $3
DATA iota16<>+16(SB)/4, $4
DATA iota16<>+20(SB)/4, $5
DATA iota16<>+24(SB)/4, $6
DATA iota16<>+28(SB)/4, $7
DATA iota16<>+32(SB)/4, $8
DATA iota16<>+36(SB)/4, $9
DATA iota16<>+40(SB)/4, $10
DATA iota16<>+44(SB)/4, $11
DATA iota16<>+48(SB)/4, $12
DATA iota16<>+52(SB)/4, $13
DATA iota16<>+56(SB)/4, $14
DATA iota16<>+60(SB)/4, $15
GLOBL iota16<>(SB), RODATA|NOPTR, $64

// func axpyStrided512(y, x *float32, alpha float32, stride, n int, scatter bool)
// For i < n: y[i] += alpha·x[i·stride] (gathering), or, with scatter,
// y[i·stride] += alpha·x[i] (the strided elements gathered, updated and
// scattered back; distinct within a step, as stride > 0). Sixteen a step,
// the last one masked.
TEXT ·axpyStrided512(SB), NOSPLIT, $0-41
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS alpha+16(FP), Z2
	MOVQ         stride+24(FP), R8
	MOVQ         n+32(FP), CX
	VMOVDQU32    iota16<>(SB), Z3
	VPBROADCASTD R8, Z4
	VPMULLD      Z4, Z3, Z3 // 0, stride, …, 15·stride
	SHLQ         $6, R8     // bytes of 16 strides
	MOVL         $0xffff, AX
	KMOVW        AX, K7
	MOVBQZX      scatter+40(FP), R9
as5loop:
	TESTQ        CX, CX
	JLE          as5done
	KMOVW        K7, K2
	CMPQ         CX, $16
	JGE          as5full
	MOVL         $1, AX
	SHLL         CX, AX
	DECL         AX
	KMOVW        AX, K2
as5full:
	KMOVW        K2, K1
	TESTQ        R9, R9
	JNZ          as5scatter
	VPXORD       Z0, Z0, Z0
	VGATHERDPS   (SI)(Z3*4), K1, Z0
	VMOVUPS.Z    (DI), K2, Z1
	VFMADD231PS  Z0, Z2, Z1
	VMOVUPS      Z1, K2, (DI)
	ADDQ         R8, SI
	ADDQ         $64, DI
	SUBQ         $16, CX
	JMP          as5loop
as5scatter:
	VPXORD       Z0, Z0, Z0
	VGATHERDPS   (DI)(Z3*4), K1, Z0
	VMOVUPS.Z    (SI), K2, Z1
	VFMADD231PS  Z1, Z2, Z0
	KMOVW        K2, K1
	VSCATTERDPS  Z0, K1, (DI)(Z3*4)
	ADDQ         R8, DI
	ADDQ         $64, SI
	SUBQ         $16, CX
	JMP          as5loop
as5done:
	VZEROUPPER
	RET

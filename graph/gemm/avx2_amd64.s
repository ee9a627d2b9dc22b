//go:build !openblas

#include "textflag.h"

// func kernel6x16(k int, a, b, c *float32, ldc, ldb, flags int, bias *float32)
// C[0:6, 0:16] = A·B + bias (+ C when flags&1, then max(0, ·) when
// flags&2) for a packed 6×k panel a (a[6p+r]) and a k×16 panel b whose rows
// are ldb floats apart (16 when packed); c points at C[0,0], ldc is C's row
// stride in floats; bias, when not nil, holds the six rows' biases. The
// bias and the Relu ride in the kernel because, done as passes over C of
// their own, they cost a 1×1 convolution with a bias three times its
// product (its output leaves the cache between the passes). Twelve YMM
// accumulators keep both FMA pipes busy with room to spare for the
// latency of the loads (eight, in a 4×16 tile, left none).
//
// Denormal values (gradients that decay through softmax and LayerNorm
// reach them) cost a microcode assist per FMA on some processors: a Swin
// gradient product took 126× its normal time. The kernel runs with
// flush-to-zero and denormals-are-zero set, and restores the caller's
// MXCSR (assembly is never preempted, so no other code runs with it).
TEXT ·kernel6x16(SB), NOSPLIT, $8-64
	STMXCSR saved-4(SP)
	MOVL    saved-4(SP), AX
	ORL     $0x8040, AX
	MOVL    AX, ftz-8(SP)
	LDMXCSR ftz-8(SP)
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ ldb+40(FP), R9
	SHLQ $2, R9
	MOVQ bias+56(FP), BX
	TESTQ BX, BX
	JE zero
	// The accumulators start at the rows' bias.
	VBROADCASTSS 0(BX), Y0
	VMOVAPS Y0, Y1
	VBROADCASTSS 4(BX), Y2
	VMOVAPS Y2, Y3
	VBROADCASTSS 8(BX), Y4
	VMOVAPS Y4, Y5
	VBROADCASTSS 12(BX), Y6
	VMOVAPS Y6, Y7
	VBROADCASTSS 16(BX), Y8
	VMOVAPS Y8, Y9
	VBROADCASTSS 20(BX), Y10
	VMOVAPS Y10, Y11
	JMP start
zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
start:
	TESTQ CX, CX
	JE store
loop:
	// The packed A ahead, and B eight rows ahead: read in place, its rows
	// are far apart.
	PREFETCHT0 256(SI)
	PREFETCHT0 (DI)(R9*8)
	VMOVUPS (DI), Y12
	VMOVUPS 32(DI), Y13
	VBROADCASTSS 0(SI), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS 4(SI), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS 8(SI), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VBROADCASTSS 12(SI), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS 16(SI), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VBROADCASTSS 20(SI), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ $24, SI
	ADDQ R9, DI
	DECQ CX
	JNE loop
store:
	MOVQ flags+48(FP), AX
	TESTQ $1, AX
	JE relu
	// add: C's tile joins the sum.
	MOVQ DX, R10
	VADDPS (R10), Y0, Y0
	VADDPS 32(R10), Y1, Y1
	ADDQ R8, R10
	VADDPS (R10), Y2, Y2
	VADDPS 32(R10), Y3, Y3
	ADDQ R8, R10
	VADDPS (R10), Y4, Y4
	VADDPS 32(R10), Y5, Y5
	ADDQ R8, R10
	VADDPS (R10), Y6, Y6
	VADDPS 32(R10), Y7, Y7
	ADDQ R8, R10
	VADDPS (R10), Y8, Y8
	VADDPS 32(R10), Y9, Y9
	ADDQ R8, R10
	VADDPS (R10), Y10, Y10
	VADDPS 32(R10), Y11, Y11
relu:
	TESTQ $2, AX
	JE set
	VXORPS Y12, Y12, Y12
	VMAXPS Y12, Y0, Y0
	VMAXPS Y12, Y1, Y1
	VMAXPS Y12, Y2, Y2
	VMAXPS Y12, Y3, Y3
	VMAXPS Y12, Y4, Y4
	VMAXPS Y12, Y5, Y5
	VMAXPS Y12, Y6, Y6
	VMAXPS Y12, Y7, Y7
	VMAXPS Y12, Y8, Y8
	VMAXPS Y12, Y9, Y9
	VMAXPS Y12, Y10, Y10
	VMAXPS Y12, Y11, Y11
set:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ R8, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	LDMXCSR saved-4(SP)
	RET

// func mxcsr() uint32
// The calling thread's MXCSR, for the test that the kernel restores it.
TEXT ·mxcsr(SB), NOSPLIT, $8-4
	STMXCSR tmp-4(SP)
	MOVL    tmp-4(SP), AX
	MOVL    AX, ret+0(FP)
	RET

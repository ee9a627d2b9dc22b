#include "textflag.h"
#include "exp_amd64.h"

// The logistic sigmoid, eight values a step, with EXP8 (exp_amd64.h) as
// Sigmoid in sigmoid.go computes one value at a time with Exp32: from
// t = e^{−|x|}, 1/(1 + t) for x ≥ 0 and t/(1 + t) below, so that the far
// tails are exactly 0 and 1 and never a denormal (one would cost a
// microcode assist in every op that reads it).

DATA sigc<>+0(SB)/4, $0x3f800000 // 1
DATA sigc<>+4(SB)/4, $0x80000000 // the sign bit
GLOBL sigc<>(SB), RODATA|NOPTR, $8

// func sigmoidAVX(dst, src *float32, n int)
// dst[i] = 1/(1 + e^{−src[i]}) for i < n/8*8.
TEXT ·sigmoidAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   sig_done
	VBROADCASTSS sigc<>+0(SB), Y8
	VBROADCASTSS sigc<>+4(SB), Y9
	VBROADCASTSS expc<>+0(SB), Y7 // −87
sig_loop:
	VMOVUPS   (SI), Y0
	VORPS     Y9, Y0, Y1          // −|x|
	VCMPPS    $0x05, Y7, Y1, Y10  // not below −87 (a NaN passes)
	EXP8(Y1, Y3, Y4, Y5, Y6)      // t
	VANDPS    Y10, Y1, Y1         // 0 below −87, as Exp32
	VADDPS    Y8, Y1, Y2          // 1 + t
	VBLENDVPS Y0, Y1, Y8, Y3      // t where x < 0, else 1
	VDIVPS    Y2, Y3, Y3
	VMOVUPS   Y3, (DI)
	ADDQ      $32, DI
	ADDQ      $32, SI
	DECQ      CX
	JNZ       sig_loop
sig_done:
	VZEROUPPER
	RET

// SIGMOID8 leaves σ(Y0) in Y3 as sigmoidAVX computes it (Y7, Y8, Y9 hold
// its constants; Y1 to Y6 and Y10 are clobbered).
#define SIGMOID8 \
	VORPS     Y9, Y0, Y1 \
	VCMPPS    $0x05, Y7, Y1, Y10 \
	EXP8(Y1, Y3, Y4, Y5, Y6) \
	VANDPS    Y10, Y1, Y1 \
	VADDPS    Y8, Y1, Y2 \
	VBLENDVPS Y0, Y1, Y8, Y3 \
	VDIVPS    Y2, Y3, Y3

// func siluAVX(dst, src *float32, n int)
// dst[i] = src[i]·σ(src[i]) for i < n/8*8.
TEXT ·siluAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   silu_done
	VBROADCASTSS sigc<>+0(SB), Y8
	VBROADCASTSS sigc<>+4(SB), Y9
	VBROADCASTSS expc<>+0(SB), Y7
silu_loop:
	VMOVUPS (SI), Y0
	SIGMOID8
	VMULPS  Y0, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     silu_loop
silu_done:
	VZEROUPPER
	RET

// func siluGradAVX(dst, x, grad *float32, n int)
// dst[i] = grad[i]·σ·(1 + x[i]·(1 − σ)), σ = σ(x[i]), for i < n/8*8.
TEXT ·siluGradAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ grad+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   silug_done
	VBROADCASTSS sigc<>+0(SB), Y8
	VBROADCASTSS sigc<>+4(SB), Y9
	VBROADCASTSS expc<>+0(SB), Y7
silug_loop:
	VMOVUPS (SI), Y0
	SIGMOID8
	VSUBPS  Y3, Y8, Y4 // 1 − σ
	VMULPS  Y0, Y4, Y4
	VADDPS  Y8, Y4, Y4 // 1 + x·(1 − σ)
	VMULPS  Y4, Y3, Y3
	VMULPS  (DX), Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     silug_loop
silug_done:
	VZEROUPPER
	RET

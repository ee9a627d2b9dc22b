#include "textflag.h"
#include "exp_amd64.h"

// func expShiftAVX(dst, src *float32, shift float32, n int) float32
// dst[i] = e^(src[i]−shift) for i < n/8*8; returns their sum.
TEXT ·expShiftAVX(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS shift+16(FP), Y8
	MOVQ         n+24(FP), CX
	VXORPS       Y9, Y9, Y9
	SHRQ         $3, CX
	JZ           expshift_done
expshift_loop:
	VMOVUPS (SI), Y0
	VSUBPS  Y8, Y0, Y0
	EXP8(Y0, Y1, Y2, Y3, Y4)
	VMOVUPS Y0, (DI)
	VADDPS  Y0, Y9, Y9
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     expshift_loop
expshift_done:
	VEXTRACTF128 $1, Y9, X1
	VADDPS       X1, X9, X9
	VHADDPS      X9, X9, X9
	VHADDPS      X9, X9, X9
	VMOVSS        X9, ret+32(FP)
	VZEROUPPER
	RET

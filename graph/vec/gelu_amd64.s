#include "textflag.h"
#include "exp_amd64.h"

// GELU and its derivative, eight values a step: erf by Abramowitz & Stegun
// 7.1.26 with EXP8 (exp_amd64.h), as erfHalf in gelu.go does one value at
// a time.

DATA geluc<>+0(SB)/4, $0x3f3504f3  // 1/√2
DATA geluc<>+4(SB)/4, $0x7fffffff  // |·| mask
DATA geluc<>+8(SB)/4, $0x3f000000  // 0.5
DATA geluc<>+12(SB)/4, $0x3f800000 // 1
DATA geluc<>+16(SB)/4, $0x3ea7ba05 // A&S p
DATA geluc<>+20(SB)/4, $0x3f87dc22 // A&S a5 … a1
DATA geluc<>+24(SB)/4, $0xbfba00e3
DATA geluc<>+28(SB)/4, $0x3fb5f0e3
DATA geluc<>+32(SB)/4, $0xbe91a98e
DATA geluc<>+36(SB)/4, $0x3e827906
DATA geluc<>+40(SB)/4, $0x3ecc422a // 1/√(2π)
GLOBL geluc<>(SB), RODATA|NOPTR, $44

// GELU_SETUP keeps the constants used every step: 1/√2, the mask, 0.5, 1.
#define GELU_SETUP \
	VBROADCASTSS geluc<>+0(SB), Y8;  \
	VBROADCASTSS geluc<>+4(SB), Y9;  \
	VBROADCASTSS geluc<>+8(SB), Y12; \
	VBROADCASTSS geluc<>+12(SB), Y15

// GELU_CORE: from x in Y0, erf(x/√2) in Y2 and e^{−x²/2} in Y7.
#define GELU_CORE \
	VMULPS       Y8, Y0, Y1;         \ // a = x/√2
	VANDPS       Y9, Y1, Y1;         \ // |a|
	VMULPS       Y1, Y1, Y7;         \
	VXORPS       Y3, Y3, Y3;         \
	VSUBPS       Y7, Y3, Y7;         \ // −a²
	EXP8(Y7, Y3, Y4, Y5, Y6);        \ // e^{−a²}
	VBROADCASTSS geluc<>+16(SB), Y5; \
	VMOVAPS      Y15, Y6;            \
	VFMADD231PS  Y5, Y1, Y6;         \
	VDIVPS       Y6, Y15, Y6;        \ // t = 1/(1 + p·|a|)
	VBROADCASTSS geluc<>+20(SB), Y5; \
	VBROADCASTSS geluc<>+24(SB), Y2; \
	VFMADD213PS  Y2, Y6, Y5;         \
	VBROADCASTSS geluc<>+28(SB), Y2; \
	VFMADD213PS  Y2, Y6, Y5;         \
	VBROADCASTSS geluc<>+32(SB), Y2; \
	VFMADD213PS  Y2, Y6, Y5;         \
	VBROADCASTSS geluc<>+36(SB), Y2; \
	VFMADD213PS  Y2, Y6, Y5;         \
	VMULPS       Y6, Y5, Y5;         \ // q(t)
	VMOVAPS      Y15, Y2;            \
	VFNMADD231PS Y7, Y5, Y2;         \ // erf|a| = 1 − q·e^{−a²}
	VANDNPS      Y0, Y9, Y3;         \ // sign of x
	VXORPS       Y3, Y2, Y2

// func geluAVX(dst, src *float32, n int)
// dst[i] = x·Φ(x) for i < n/8*8.
TEXT ·geluAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   gelu_done
	GELU_SETUP
gelu_loop:
	VMOVUPS (SI), Y0
	GELU_CORE
	VADDPS  Y15, Y2, Y2
	VMULPS  Y12, Y0, Y3
	VMULPS  Y3, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     gelu_loop
gelu_done:
	VZEROUPPER
	RET

// func geluGradAVX(dst, x, grad *float32, n int)
// dst[i] = grad[i]·(Φ(x) + x·φ(x)) for i < n/8*8.
TEXT ·geluGradAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ grad+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   geluGrad_done
	GELU_SETUP
geluGrad_loop:
	VMOVUPS      (SI), Y0
	GELU_CORE
	VADDPS       Y15, Y2, Y2
	VMULPS       Y12, Y2, Y2 // Φ(x)
	VBROADCASTSS geluc<>+40(SB), Y3
	VMULPS       Y3, Y0, Y3
	VFMADD231PS  Y7, Y3, Y2  // + x·φ(x)
	VMULPS       (DX), Y2, Y2
	VMOVUPS      Y2, (DI)
	ADDQ         $32, DI
	ADDQ         $32, SI
	ADDQ         $32, DX
	DECQ         CX
	JNZ          geluGrad_loop
geluGrad_done:
	VZEROUPPER
	RET

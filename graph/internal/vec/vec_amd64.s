#include "textflag.h"

// Vector forms of the row primitives in rowops.go, eight floats a step
// (AVX2). Each handles n/8 blocks of eight; the Go callers finish the tail.

// func vmaxAVX(dst, src *float32, n int)
TEXT ·vmaxAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   vmaxdone
vmaxloop:
	VMOVUPS (DI), Y0
	VMAXPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     vmaxloop
vmaxdone:
	VZEROUPPER
	RET

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

// func interleaveAddAVX(dst, e, o *float32, n int)
// dst[2i] += e[i], dst[2i+1] += o[i] for i < n/8*8.
TEXT ·interleaveAddAVX(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ e+8(FP), SI
	MOVQ o+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   iladone
ilaloop:
	VMOVUPS    (SI), Y0
	VMOVUPS    (DX), Y1
	VUNPCKLPS  Y1, Y0, Y2 // e0 o0 e1 o1 | e4 o4 e5 o5
	VUNPCKHPS  Y1, Y0, Y3 // e2 o2 e3 o3 | e6 o6 e7 o7
	VPERM2F128 $0x20, Y3, Y2, Y4
	VPERM2F128 $0x31, Y3, Y2, Y5
	VADDPS     (DI), Y4, Y4
	VADDPS     32(DI), Y5, Y5
	VMOVUPS    Y4, (DI)
	VMOVUPS    Y5, 32(DI)
	ADDQ       $64, DI
	ADDQ       $32, SI
	ADDQ       $32, DX
	DECQ       CX
	JNZ        ilaloop
iladone:
	VZEROUPPER
	RET

// func firstMatchAVX(dst, tap, m, grad *float32, found *uint32, n int)
// Where tap[i] == m[i] and found[i] is clear: set found[i], dst[i] += grad[i].
TEXT ·firstMatchAVX(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ tap+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ grad+24(FP), R9
	MOVQ found+32(FP), R10
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   fmdone
fmloop:
	VMOVUPS (SI), Y0
	VCMPPS  $0, (R8), Y0, Y0 // tap == m (ordered: NaN never matches)
	VMOVUPS (R10), Y1
	VANDNPS Y0, Y1, Y0       // and not found before
	VORPS   Y0, Y1, Y1
	VMOVUPS Y1, (R10)
	VANDPS  (R9), Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R8
	ADDQ    $32, R9
	ADDQ    $32, R10
	DECQ    CX
	JNZ     fmloop
fmdone:
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
	VMAXPS  Y1, Y0, Y0 // src > 0 ? src : 0
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

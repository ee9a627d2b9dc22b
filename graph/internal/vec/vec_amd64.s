#include "textflag.h"

// Vector forms of the primitives in vec.go, eight floats a step
// (AVX2). Each handles n/8 blocks of eight; the Go callers finish the tail.

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

// func argmaxTapAVX(best *float32, idx *int32, tap *float32, start, step int32, n int)
// Where tap[i] > best[i]: best[i] = tap[i], idx[i] = start + step·i.
TEXT ·argmaxTapAVX(SB), NOSPLIT, $0-40
	MOVQ         best+0(FP), DI
	MOVQ         idx+8(FP), DX
	MOVQ         tap+16(FP), SI
	MOVL         start+24(FP), AX
	MOVL         step+28(FP), BX
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           amdone
	MOVD         AX, X4
	VPBROADCASTD X4, Y4 // start
	MOVD         BX, X5
	VPBROADCASTD X5, Y5 // step
	VMOVDQU      lanes<>(SB), Y6
	VPMULLD      Y5, Y6, Y6
	VPADDD       Y6, Y4, Y4 // start + step·lane
	VPSLLD       $3, Y5, Y5 // 8·step
amloop:
	VMOVUPS   (SI), Y0
	VMOVUPS   (DI), Y1
	VCMPPS    $0x1E, Y1, Y0, Y2 // tap > best (GT_OQ)
	VBLENDVPS Y2, Y0, Y1, Y1
	VMOVUPS   Y1, (DI)
	VMOVDQU   (DX), Y3
	VBLENDVPS Y2, Y4, Y3, Y3
	VMOVDQU   Y3, (DX)
	VPADDD    Y5, Y4, Y4
	ADDQ      $32, DI
	ADDQ      $32, DX
	ADDQ      $32, SI
	DECQ      CX
	JNZ       amloop
amdone:
	VZEROUPPER
	RET

DATA lanes<>+0(SB)/4, $0
DATA lanes<>+4(SB)/4, $1
DATA lanes<>+8(SB)/4, $2
DATA lanes<>+12(SB)/4, $3
DATA lanes<>+16(SB)/4, $4
DATA lanes<>+20(SB)/4, $5
DATA lanes<>+24(SB)/4, $6
DATA lanes<>+28(SB)/4, $7
GLOBL lanes<>(SB), RODATA|NOPTR, $32

// func addSquaresAVX(dst, x *float32, n int)
// dst[i] += x[i]·x[i] for i < n/8*8.
TEXT ·addSquaresAVX(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   asqdone
asqloop:
	VMOVUPS     (SI), Y0
	VMOVUPS     (DI), Y1
	VFMADD231PS Y0, Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	DECQ        CX
	JNZ         asqloop
asqdone:
	VZEROUPPER
	RET

// func lrnScaleAVX(r, rs, s *float32, bias, a float32, n int)
// With v = bias + a·s[i]: r[i] = v^−0.75, rs[i] = v^−1.75, for i < n/8*8.
TEXT ·lrnScaleAVX(SB), NOSPLIT, $0-40
	MOVQ         r+0(FP), DI
	MOVQ         rs+8(FP), DX
	MOVQ         s+16(FP), SI
	VBROADCASTSS bias+24(FP), Y4
	VBROADCASTSS a+28(FP), Y5
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           lsdone
	MOVL         $0x3f800000, AX
	MOVD         AX, X6
	VPBROADCASTD X6, Y6 // 1
lsloop:
	VMOVUPS     (SI), Y0
	VMOVAPS     Y4, Y1
	VFMADD231PS Y0, Y5, Y1 // v = bias + a·s
	VSQRTPS     Y1, Y2     // v^½
	VSQRTPS     Y2, Y3     // v^¼
	VMULPS      Y3, Y2, Y3 // v^¾
	VDIVPS      Y3, Y6, Y3 // v^−¾
	VMOVUPS     Y3, (DI)
	VDIVPS      Y1, Y3, Y3 // v^−1.75
	VMOVUPS     Y3, (DX)
	ADDQ        $32, DI
	ADDQ        $32, DX
	ADDQ        $32, SI
	DECQ        CX
	JNZ         lsloop
lsdone:
	VZEROUPPER
	RET

// func clipAVX(dst, src *float32, lo, hi float32, n int)
// dst[i] = min(max(src[i], lo), hi) for i < n/8*8 (a NaN gives lo).
TEXT ·clipAVX(SB), NOSPLIT, $0-32
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	VBROADCASTSS lo+16(FP), Y1
	VBROADCASTSS hi+20(FP), Y2
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           clipdone
cliploop:
	VMOVUPS (SI), Y0
	VMAXPS  Y1, Y0, Y0
	VMINPS  Y2, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     cliploop
clipdone:
	VZEROUPPER
	RET

// func clipGradAVX(dst, x, grad *float32, lo, hi float32, n int)
// dst[i] = lo < x[i] < hi ? grad[i] : 0 for i < n/8*8.
TEXT ·clipGradAVX(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         grad+16(FP), DX
	VBROADCASTSS lo+24(FP), Y1
	VBROADCASTSS hi+28(FP), Y2
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           cgdone
cgloop:
	VMOVUPS (SI), Y0
	VCMPPS  $0x1E, Y1, Y0, Y3 // x > lo (GT_OQ)
	VCMPPS  $0x11, Y2, Y0, Y4 // x < hi (LT_OQ)
	VANDPS  Y4, Y3, Y3
	VANDPS  (DX), Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     cgloop
cgdone:
	VZEROUPPER
	RET

#include "textflag.h"

// Six lanes of eight: the tiles of a packed panel.
DATA wino6<>+0(SB)/8, $0xffffffffffffffff
DATA wino6<>+8(SB)/8, $0xffffffffffffffff
DATA wino6<>+16(SB)/8, $0xffffffffffffffff
DATA wino6<>+24(SB)/8, $0
GLOBL wino6<>(SB), RODATA|NOPTR, $32

// GATHERROW loads row (base) of the eight tiles: columns 0..3 into a..d.
#define GATHERROW(base, a, b, c, d) \
	VPCMPEQD   Y13, Y13, Y13; \
	VGATHERDPS Y13, (base)(Y14*4), a; \
	VPCMPEQD   Y13, Y13, Y13; \
	VGATHERDPS Y13, 4(base)(Y14*4), b; \
	VPCMPEQD   Y13, Y13, Y13; \
	VGATHERDPS Y13, 8(base)(Y14*4), c; \
	VPCMPEQD   Y13, Y13, Y13; \
	VGATHERDPS Y13, 12(base)(Y14*4), d

// STMASK and STWIDE store r at AX, six lanes or all eight, and step AX to
// the next ξ.
#define STMASK(r) \
	VMASKMOVPS r, Y15, (AX); \
	ADDQ       R10, AX

#define STWIDE(r) \
	VMOVUPS r, (AX); \
	ADDQ    R10, AX

// COLS stores, through ST, the column transform of a row (a, b, c, d) of
// Bᵀ d: the next four ξ.
#define COLS(a, b, c, d, ST) \
	VSUBPS c, a, Y12; \
	ST(Y12); \
	VADDPS c, b, Y12; \
	ST(Y12); \
	VSUBPS b, c, Y12; \
	ST(Y12); \
	VSUBPS d, b, Y12; \
	ST(Y12)

// TRANSFORM writes the 16 ξ of eight tiles from AX on, ξ R10 bytes apart:
// LOAD reads a row of their windows (rows 0 to 3 at SI, R12, R13, BX), ST
// stores.
#define TRANSFORM(LOAD, ST) \
	LOAD(SI, Y0, Y1, Y2, Y3); \
	LOAD(R13, Y4, Y5, Y6, Y7); \
	VSUBPS Y4, Y0, Y8; \
	VSUBPS Y5, Y1, Y9; \
	VSUBPS Y6, Y2, Y10; \
	VSUBPS Y7, Y3, Y11; \
	COLS(Y8, Y9, Y10, Y11, ST); \
	LOAD(R12, Y0, Y1, Y2, Y3); \
	VADDPS Y4, Y0, Y8; \
	VADDPS Y5, Y1, Y9; \
	VADDPS Y6, Y2, Y10; \
	VADDPS Y7, Y3, Y11; \
	COLS(Y8, Y9, Y10, Y11, ST); \
	VSUBPS Y0, Y4, Y8; \
	VSUBPS Y1, Y5, Y9; \
	VSUBPS Y2, Y6, Y10; \
	VSUBPS Y3, Y7, Y11; \
	COLS(Y8, Y9, Y10, Y11, ST); \
	LOAD(BX, Y4, Y5, Y6, Y7); \
	VSUBPS Y4, Y0, Y8; \
	VSUBPS Y5, Y1, Y9; \
	VSUBPS Y6, Y2, Y10; \
	VSUBPS Y7, Y3, Y11; \
	COLS(Y8, Y9, Y10, Y11, ST)

// LOADROW loads a row of the windows of eight tiles two floats apart from
// base: columns 0..3 of each (floats 2j … 2j+3) into a..d, splitting even
// and odd floats with Y13, Y14.
#define LOADROW(base, a, b, c, d) \
	VMOVUPS (base), Y13; \
	VMOVUPS 32(base), Y14; \
	VSHUFPS $0x88, Y14, Y13, a; \
	VSHUFPS $0xDD, Y14, Y13, b; \
	VPERMPD $0xD8, a, a; \
	VPERMPD $0xD8, b, b; \
	VMOVUPS 8(base), Y13; \
	VMOVUPS 40(base), Y14; \
	VSHUFPS $0x88, Y14, Y13, c; \
	VSHUFPS $0xDD, Y14, Y13, d; \
	VPERMPD $0xD8, c, c; \
	VPERMPD $0xD8, d, d

// WINOINPUT6 is the body of the six-lane transforms, stores by ST.
#define WINOINPUT6(ST, loop) \
	MOVQ plane+0(FP), SI; \
	MOVQ offs+8(FP), R8; \
	MOVQ groups+16(FP), CX; \
	MOVQ wp+24(FP), R9; \
	SHLQ $2, R9; \
	MOVQ v+32(FP), DI; \
	MOVQ vs+40(FP), R10; \
	SHLQ $2, R10; \
	MOVQ step+48(FP), R11; \
	SHLQ $2, R11; \
	LEAQ (SI)(R9*1), R12; \
	LEAQ (R12)(R9*1), R13; \
	LEAQ (R13)(R9*1), BX; \
loop: \
	VMOVDQU (R8), Y14; \
	MOVQ    DI, AX; \
	TRANSFORM(GATHERROW, ST); \
	ADDQ    $32, R8; \
	ADDQ    R11, DI; \
	DECQ    CX; \
	JNZ     loop; \
	VZEROUPPER; \
	RET

// func winoInput6AVX(plane *float32, offs *int32, groups, wp int, v *float32, vs, step int)
TEXT ·winoInput6AVX(SB), NOSPLIT, $0-56
	VMOVDQU wino6<>(SB), Y15
	WINOINPUT6(STMASK, wiloop)

// func winoInput6WideAVX(plane *float32, offs *int32, groups, wp int, v *float32, vs, step int)
// winoInput6AVX with plain stores of eight lanes, the last two spilling.
TEXT ·winoInput6WideAVX(SB), NOSPLIT, $0-56
	WINOINPUT6(STWIDE, wwloop)

// func winoInputRowAVX(src *float32, wp int, dst *float32, ds, blocks int)
// WinoInputRow for blocks of eight tiles.
TEXT ·winoInputRowAVX(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), SI
	MOVQ wp+8(FP), R9
	SHLQ $2, R9
	MOVQ dst+16(FP), DI
	MOVQ ds+24(FP), R10
	SHLQ $2, R10
	MOVQ blocks+32(FP), CX
wrloop:
	LEAQ (SI)(R9*1), R12
	LEAQ (R12)(R9*1), R13
	LEAQ (R13)(R9*1), BX
	MOVQ DI, AX
	TRANSFORM(LOADROW, STWIDE)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  wrloop
	VZEROUPPER
	RET

// AMCOL sets column c of Aᵀ M for eight tiles, m[ξ] at R8 + ξ·os (R9 =
// 4·os bytes, R8 at ξ = c): r0 = m[c] + m[4+c] + m[8+c] and
// r1 = m[4+c] − m[8+c] − m[12+c]; R8 steps to column c+1.
#define AMCOL(r0, r1) \
	LEAQ    (R8)(R9*1), R11; \
	LEAQ    (R11)(R9*1), R12; \
	LEAQ    (R12)(R9*1), R13; \
	VMOVUPS (R11), Y1; \
	VADDPS  (R8), Y1, r0; \
	VADDPS  (R12), r0, r0; \
	VSUBPS  (R12), Y1, r1; \
	VSUBPS  (R13), r1, r1; \
	ADDQ    R10, R8

// func winoOutputRowAVX(o *float32, os int, y0, y1 *float32, blocks int, bias float32, relu bool)
// WinoOutputRow for blocks of eight tiles, sums in the scalar code's order.
TEXT ·winoOutputRowAVX(SB), NOSPLIT, $0-45
	MOVQ         o+0(FP), SI
	MOVQ         os+8(FP), R10
	SHLQ         $2, R10
	LEAQ         (R10)(R10*1), R9
	ADDQ         R9, R9 // 4·os
	MOVQ         y0+16(FP), DI
	MOVQ         y1+24(FP), DX
	MOVQ         blocks+32(FP), CX
	VBROADCASTSS bias+40(FP), Y15
	MOVBLZX      relu+44(FP), AX
	VXORPS       Y14, Y14, Y14
worloop:
	MOVQ SI, R8
	// Column c of Aᵀ M: Y4+c (row 0) and Y8+c (row 1).
	AMCOL(Y4, Y8)
	AMCOL(Y5, Y9)
	AMCOL(Y6, Y10)
	AMCOL(Y7, Y11)
	// Rows: a+b+c+bias and b−c−e+bias.
	VADDPS  Y5, Y4, Y0
	VADDPS  Y6, Y0, Y0
	VADDPS  Y15, Y0, Y0
	VSUBPS  Y6, Y5, Y1
	VSUBPS  Y7, Y1, Y1
	VADDPS  Y15, Y1, Y1
	VADDPS  Y9, Y8, Y2
	VADDPS  Y10, Y2, Y2
	VADDPS  Y15, Y2, Y2
	VSUBPS  Y10, Y9, Y3
	VSUBPS  Y11, Y3, Y3
	VADDPS  Y15, Y3, Y3
	TESTQ   AX, AX
	JZ      wornorelu
	VMAXPS  Y14, Y0, Y0
	VMAXPS  Y14, Y1, Y1
	VMAXPS  Y14, Y2, Y2
	VMAXPS  Y14, Y3, Y3
wornorelu:
	VUNPCKLPS  Y1, Y0, Y12
	VUNPCKHPS  Y1, Y0, Y13
	VPERM2F128 $0x20, Y13, Y12, Y4
	VPERM2F128 $0x31, Y13, Y12, Y5
	VMOVUPS    Y4, (DI)
	VMOVUPS    Y5, 32(DI)
	VUNPCKLPS  Y3, Y2, Y12
	VUNPCKHPS  Y3, Y2, Y13
	VPERM2F128 $0x20, Y13, Y12, Y4
	VPERM2F128 $0x31, Y13, Y12, Y5
	VMOVUPS    Y4, (DX)
	VMOVUPS    Y5, 32(DX)
	ADDQ       $32, SI
	ADDQ       $64, DI
	ADDQ       $64, DX
	DECQ       CX
	JNZ        worloop
	VZEROUPPER
	RET

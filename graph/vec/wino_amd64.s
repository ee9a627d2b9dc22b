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

// COLS stores the column transform of a row (a, b, c, d) of Bᵀ d, the
// next four ξ from AX on.
#define COLS(a, b, c, d) \
	VSUBPS     c, a, Y12; \
	VMASKMOVPS Y12, Y15, (AX); \
	ADDQ       R10, AX; \
	VADDPS     c, b, Y12; \
	VMASKMOVPS Y12, Y15, (AX); \
	ADDQ       R10, AX; \
	VSUBPS     b, c, Y12; \
	VMASKMOVPS Y12, Y15, (AX); \
	ADDQ       R10, AX; \
	VSUBPS     d, b, Y12; \
	VMASKMOVPS Y12, Y15, (AX); \
	ADDQ       R10, AX

// COLSWIDE is COLS writing all eight lanes.
#define COLSWIDE(a, b, c, d) \
	VSUBPS     c, a, Y12; \
	VMOVUPS    Y12, (AX); \
	ADDQ       R10, AX; \
	VADDPS     c, b, Y12; \
	VMOVUPS    Y12, (AX); \
	ADDQ       R10, AX; \
	VSUBPS     b, c, Y12; \
	VMOVUPS    Y12, (AX); \
	ADDQ       R10, AX; \
	VSUBPS     d, b, Y12; \
	VMOVUPS    Y12, (AX); \
	ADDQ       R10, AX

// func winoInput6AVX(plane *float32, offs *int32, groups, wp int, v *float32, vs, step int)
TEXT ·winoInput6AVX(SB), NOSPLIT, $0-56
	MOVQ    plane+0(FP), SI
	MOVQ    offs+8(FP), R8
	MOVQ    groups+16(FP), CX
	MOVQ    wp+24(FP), R9
	SHLQ    $2, R9
	MOVQ    v+32(FP), DI
	MOVQ    vs+40(FP), R10
	SHLQ    $2, R10
	MOVQ    step+48(FP), R11
	SHLQ    $2, R11
	VMOVDQU wino6<>(SB), Y15
	LEAQ    (SI)(R9*1), R12 // row 1
	LEAQ    (R12)(R9*1), R13 // row 2
	LEAQ    (R13)(R9*1), BX  // row 3
wiloop:
	VMOVDQU (R8), Y14
	MOVQ    DI, AX
	GATHERROW(SI, Y0, Y1, Y2, Y3)
	GATHERROW(R13, Y4, Y5, Y6, Y7)
	VSUBPS  Y4, Y0, Y8  // row 0 of Bᵀ d: d0 − d2
	VSUBPS  Y5, Y1, Y9
	VSUBPS  Y6, Y2, Y10
	VSUBPS  Y7, Y3, Y11
	COLS(Y8, Y9, Y10, Y11)
	GATHERROW(R12, Y0, Y1, Y2, Y3)
	VADDPS  Y4, Y0, Y8 // row 1: d1 + d2
	VADDPS  Y5, Y1, Y9
	VADDPS  Y6, Y2, Y10
	VADDPS  Y7, Y3, Y11
	COLS(Y8, Y9, Y10, Y11)
	VSUBPS  Y0, Y4, Y8 // row 2: d2 − d1
	VSUBPS  Y1, Y5, Y9
	VSUBPS  Y2, Y6, Y10
	VSUBPS  Y3, Y7, Y11
	COLS(Y8, Y9, Y10, Y11)
	GATHERROW(BX, Y4, Y5, Y6, Y7)
	VSUBPS  Y4, Y0, Y8 // row 3: d1 − d3
	VSUBPS  Y5, Y1, Y9
	VSUBPS  Y6, Y2, Y10
	VSUBPS  Y7, Y3, Y11
	COLS(Y8, Y9, Y10, Y11)
	ADDQ    $32, R8
	ADDQ    R11, DI
	DECQ    CX
	JNZ     wiloop
	VZEROUPPER
	RET

// func winoInput6WideAVX(plane *float32, offs *int32, groups, wp int, v *float32, vs, step int)
// winoInput6AVX with plain stores of eight lanes, the last two spilling.
TEXT ·winoInput6WideAVX(SB), NOSPLIT, $0-56
	MOVQ    plane+0(FP), SI
	MOVQ    offs+8(FP), R8
	MOVQ    groups+16(FP), CX
	MOVQ    wp+24(FP), R9
	SHLQ    $2, R9
	MOVQ    v+32(FP), DI
	MOVQ    vs+40(FP), R10
	SHLQ    $2, R10
	MOVQ    step+48(FP), R11
	SHLQ    $2, R11
	LEAQ    (SI)(R9*1), R12 // row 1
	LEAQ    (R12)(R9*1), R13 // row 2
	LEAQ    (R13)(R9*1), BX  // row 3
wwloop:
	VMOVDQU (R8), Y14
	MOVQ    DI, AX
	GATHERROW(SI, Y0, Y1, Y2, Y3)
	GATHERROW(R13, Y4, Y5, Y6, Y7)
	VSUBPS  Y4, Y0, Y8  // row 0 of Bᵀ d: d0 − d2
	VSUBPS  Y5, Y1, Y9
	VSUBPS  Y6, Y2, Y10
	VSUBPS  Y7, Y3, Y11
	COLSWIDE(Y8, Y9, Y10, Y11)
	GATHERROW(R12, Y0, Y1, Y2, Y3)
	VADDPS  Y4, Y0, Y8 // row 1: d1 + d2
	VADDPS  Y5, Y1, Y9
	VADDPS  Y6, Y2, Y10
	VADDPS  Y7, Y3, Y11
	COLSWIDE(Y8, Y9, Y10, Y11)
	VSUBPS  Y0, Y4, Y8 // row 2: d2 − d1
	VSUBPS  Y1, Y5, Y9
	VSUBPS  Y2, Y6, Y10
	VSUBPS  Y3, Y7, Y11
	COLSWIDE(Y8, Y9, Y10, Y11)
	GATHERROW(BX, Y4, Y5, Y6, Y7)
	VSUBPS  Y4, Y0, Y8 // row 3: d1 − d3
	VSUBPS  Y5, Y1, Y9
	VSUBPS  Y6, Y2, Y10
	VSUBPS  Y7, Y3, Y11
	COLSWIDE(Y8, Y9, Y10, Y11)
	ADDQ    $32, R8
	ADDQ    R11, DI
	DECQ    CX
	JNZ     wwloop
	VZEROUPPER
	RET

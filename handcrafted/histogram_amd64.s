#include "textflag.h"

// The pooling kernels' common steps. Registers: R9 the bins lo, AX the
// pixel, BX its scaled weights (scratch), R12 the tables, DX a cell's
// pixel count, R8 the norms m, R11 the cell's weights, DI and SI the two
// rows of cells, Z28 and Z29 their row weights.

// RUNMASK sets K1 to a cell's DX pixels (1 to 16); clobbers BX and CX.
#define RUNMASK \
	MOVL  $1, BX; \
	MOVL  DX, CX; \
	SHLL  CX, BX; \
	DECL  BX; \
	KMOVW BX, K1

// RUNWEIGHTS sets Z0 to m·w for the cell's pixels, 0 past them.
#define RUNWEIGHTS \
	VMOVUPS.Z (R8)(AX*4), K1, Z0; \
	VMULPS    (R11), Z0, Z0

// BIN adds the rows at byte offset table of pixel AX+i's bin (onehot
// rows of 32 floats), times its scaled weight at scr(BX), to lo and hi.
#define BIN(i, table, scr, v, lo, hi) \
	MOVL         (i*4)(R9)(AX*4), CX; \
	SHLQ         $7, CX; \
	VBROADCASTSS scr(BX), v; \
	VFMADD231PS  table(R12)(CX*1), v, lo; \
	VFMADD231PS  (table+64)(R12)(CX*1), v, hi

// ADDCELL adds acc times the row weight w to the 16 floats at off(row).
#define ADDCELL(acc, w, off, row) \
	VMOVUPS     off(row), Z16; \
	VFMADD231PS acc, w, Z16; \
	VMOVUPS     Z16, off(row)

// func poolRow512(out0, out1 *float32, wr0, wr1 float32, m *float32, lo *int32, runs *int32, w *float32, onehot *float32, scratch *float32, nc int)
// Pools one pixel row of hard-binned gradients into nc cells and adds the
// cells, times wr0 and wr1, to the two rows of cells out0 and out1 (32
// floats a cell, one per bin). Cell c takes the runs[2c+1] ≤ 16 pixels
// from runs[2c] with weights w[16c:]: their m·w, then each one's row of
// onehot (32 floats, 1 at its bin) times it, in four accumulators. Reads
// lo up to three past a run's end.
TEXT ·poolRow512(SB), NOSPLIT, $0-80
	MOVQ         out0+0(FP), DI
	MOVQ         out1+8(FP), SI
	VBROADCASTSS wr0+16(FP), Z28
	VBROADCASTSS wr1+20(FP), Z29
	MOVQ         m+24(FP), R8
	MOVQ         lo+32(FP), R9
	MOVQ         runs+40(FP), R10
	MOVQ         w+48(FP), R11
	MOVQ         onehot+56(FP), R12
	MOVQ         scratch+64(FP), R13
	MOVQ         nc+72(FP), R14
	TESTQ        R14, R14
	JZ           prdone
prcell:
	MOVL    (R10), AX  // first pixel
	MOVL    4(R10), DX // pixels
	RUNMASK
	RUNWEIGHTS
	VMOVUPS Z0, (R13)
	MOVQ    R13, BX
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	VXORPS  Z4, Z4, Z4
	VXORPS  Z5, Z5, Z5
	VXORPS  Z6, Z6, Z6
	VXORPS  Z7, Z7, Z7
	VXORPS  Z8, Z8, Z8
prpix:
	BIN(0, 0, 0, Z9, Z1, Z5)
	BIN(1, 0, 4, Z10, Z2, Z6)
	BIN(2, 0, 8, Z11, Z3, Z7)
	BIN(3, 0, 12, Z12, Z4, Z8)
	ADDQ   $4, AX
	ADDQ   $16, BX
	SUBL   $4, DX
	JGT    prpix
	VADDPS Z2, Z1, Z1
	VADDPS Z4, Z3, Z3
	VADDPS Z3, Z1, Z1
	VADDPS Z6, Z5, Z5
	VADDPS Z8, Z7, Z7
	VADDPS Z7, Z5, Z5
	ADDCELL(Z1, Z28, 0, DI)
	ADDCELL(Z5, Z28, 64, DI)
	ADDCELL(Z1, Z29, 0, SI)
	ADDCELL(Z5, Z29, 64, SI)
	ADDQ   $128, DI
	ADDQ   $128, SI
	ADDQ   $8, R10
	ADDQ   $64, R11
	DECQ   R14
	JNZ    prcell
prdone:
	VZEROUPPER
	RET

// func hardBin512(bin *int32, mag, gx, gy, ox, oy *float32, nk, n int)
// hardBinAVX sixteen pixels a step, for n/16*16 pixels: the same float32
// operations in the same order, the running best kept under masks.
TEXT ·hardBin512(SB), NOSPLIT, $0-64
	MOVQ         bin+0(FP), DI
	MOVQ         mag+8(FP), R11
	MOVQ         gx+16(FP), SI
	MOVQ         gy+24(FP), DX
	MOVQ         ox+32(FP), R8
	MOVQ         oy+40(FP), R9
	MOVQ         nk+48(FP), R10
	MOVQ         n+56(FP), CX
	SHRQ         $4, CX
	JZ           hb5done
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z15 // |·| mask
	MOVL         $0x2edbe6ff, AX
	VPBROADCASTD AX, Z14 // 1e-10
	MOVL         $0xbf800000, AX
	VPBROADCASTD AX, Z13 // −1
	MOVL         $1, AX
	VPBROADCASTD AX, Z12 // int 1
	VPBROADCASTD R10, Z11 // int nk
	VPXORD       Z10, Z10, Z10 // 0
hb5loop:
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	VMULPS  Z0, Z0, Z2
	VMULPS  Z1, Z1, Z3
	VADDPS  Z3, Z2, Z2
	VSQRTPS Z2, Z2
	VMOVUPS Z2, (R11)   // ‖g‖
	VMAXPS  Z14, Z2, Z2 // m = max(‖g‖, 1e-10)
	VDIVPS  Z2, Z0, Z0  // ux
	VDIVPS  Z2, Z1, Z1  // uy
	VMOVAPS Z13, Z4     // best |s| = −1
	VPXORD  Z5, Z5, Z5  // best k
	VPXORD  Z6, Z6, Z6  // best s
	VPXORD  Z7, Z7, Z7  // k
	XORQ    BX, BX
hb5k:
	VMULPS.BCST (R8)(BX*4), Z0, Z8
	VMULPS.BCST (R9)(BX*4), Z1, Z9
	VADDPS      Z9, Z8, Z8      // s = ux·ox + uy·oy
	VPANDD      Z15, Z8, Z9     // |s|
	VCMPPS      $0x1E, Z4, Z9, K1 // |s| > best (GT_OQ)
	VMOVAPS     Z9, K1, Z4
	VMOVDQA32   Z7, K1, Z5
	VMOVAPS     Z8, K1, Z6
	VPADDD      Z12, Z7, Z7
	INCQ        BX
	CMPQ        BX, R10
	JLT         hb5k
	VCMPPS      $0x11, Z10, Z6, K2 // best s < 0 (LT_OQ)
	VPADDD      Z11, Z5, K2, Z5    // + nk there
	VMOVDQU32   Z5, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DX
	ADDQ        $64, DI
	ADDQ        $64, R11
	DECQ        CX
	JNZ         hb5loop
hb5done:
	VZEROUPPER
	RET

DATA gather32<>+0(SB)/4, $0
DATA gather32<>+4(SB)/4, $32
DATA gather32<>+8(SB)/4, $64
DATA gather32<>+12(SB)/4, $96
DATA gather32<>+16(SB)/4, $128
DATA gather32<>+20(SB)/4, $160
DATA gather32<>+24(SB)/4, $192
DATA gather32<>+28(SB)/4, $224
DATA gather32<>+32(SB)/4, $256
DATA gather32<>+36(SB)/4, $288
DATA gather32<>+40(SB)/4, $320
DATA gather32<>+44(SB)/4, $352
DATA gather32<>+48(SB)/4, $384
DATA gather32<>+52(SB)/4, $416
DATA gather32<>+56(SB)/4, $448
DATA gather32<>+60(SB)/4, $480
GLOBL gather32<>(SB), RODATA|NOPTR, $64

// func cellsToPlanes512(dst *float32, csp int, src *float32, nb, nc, lanes int)
// dst[b·csp + c] += src[lanes·c + b] for b < nb, c < nc: a row of cells
// laid out [cell][lanes bins], as poolRow512 leaves it, added to the bin
// planes, sixteen cells a gather.
TEXT ·cellsToPlanes512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         csp+8(FP), R8
	SHLQ         $2, R8
	MOVQ         src+16(FP), SI
	MOVQ         nb+24(FP), R9
	MOVQ         nc+32(FP), R10
	MOVQ         lanes+40(FP), R13
	VMOVDQU32    gather32<>(SB), Z31
	VPSRLD       $5, Z31, Z31 // 0, 1, …, 15
	VPBROADCASTD R13, Z30
	VPMULLD      Z30, Z31, Z31 // 0, lanes, …, 15·lanes
	SHLQ         $6, R13       // bytes of 16 cells
	TESTQ   R9, R9
	JZ      cpdone
	TESTQ   R10, R10
	JZ      cpdone
cpbin:
	MOVQ DI, R11 // this bin's plane row
	MOVQ SI, R12 // its lane in the first cell
	MOVQ R10, DX // cells left
cpcells:
	MOVL  $0xffff, AX
	CMPQ  DX, $16
	JGE   cpfull
	MOVL  $1, AX
	MOVL  DX, CX
	SHLL  CX, AX
	DECL  AX
cpfull:
	KMOVW      AX, K1
	KMOVW      AX, K2
	VPXORD     Z0, Z0, Z0
	VGATHERDPS (R12)(Z31*4), K1, Z0
	VMOVUPS.Z  (R11), K2, Z1
	VADDPS     Z0, Z1, Z1
	VMOVUPS    Z1, K2, (R11)
	ADDQ       $64, R11
	ADDQ       R13, R12
	SUBQ       $16, DX
	JGT        cpcells
	ADDQ R8, DI
	ADDQ $4, SI
	DECQ R9
	JNZ  cpbin
cpdone:
	VZEROUPPER
	RET

// func planesToCells512(dst *float32, src *float32, csp, nb, n, lanes int)
// dst[lanes·i + b] = src[b·csp + i] for b < nb, i < n, and 0 for nb ≤ b <
// lanes (16 or 32): the bin planes of n cells gathered into the [cell][lanes
// bins] layout.
TEXT ·planesToCells512(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         csp+16(FP), R8
	MOVQ         nb+24(FP), R9
	MOVQ         n+32(FP), R10
	MOVQ         lanes+40(FP), R11
	TESTQ        R10, R10
	JZ           pcdone
	VMOVDQU32    gather32<>(SB), Z31 // 0, 32, …, 480
	VPSRLD       $5, Z31, Z30       // 0, 1, …, 15
	VPBROADCASTD R8, Z29
	VPMULLD      Z29, Z30, Z30      // b·csp for b < 16
	MOVQ         R8, AX
	SHLQ         $4, AX
	VPBROADCASTD AX, Z28
	VPADDD       Z28, Z30, Z28      // b·csp for 16 ≤ b < 32
	// Masks of the bins there are, in each half.
	MOVL         $0xffff, AX
	CMPQ         R9, $16
	JGE          pcmask0
	MOVL         $1, AX
	MOVL         R9, CX
	SHLL         CX, AX
	DECL         AX
pcmask0:
	KMOVW        AX, K3
	XORL         AX, AX
	CMPQ         R9, $16
	JLE          pcmask1
	MOVL         $1, AX
	LEAQ         -16(R9), CX
	SHLL         CX, AX
	DECL         AX
pcmask1:
	KMOVW        AX, K4
pcloop:
	KMOVW        K3, K1
	KMOVW        K4, K2
	VPXORD       Z0, Z0, Z0
	VPXORD       Z1, Z1, Z1
	VGATHERDPS   (SI)(Z30*4), K1, Z0
	VMOVUPS      Z0, (DI)
	ADDQ         $64, DI
	CMPQ         R11, $16
	JEQ          pcnext
	VGATHERDPS   (SI)(Z28*4), K2, Z1
	VMOVUPS      Z1, (DI)
	ADDQ         $64, DI
pcnext:
	ADDQ         $4, SI
	DECQ         R10
	JNZ          pcloop
pcdone:
	VZEROUPPER
	RET

// func unpoolHard512(dx, dy, gx, gy, m *float32, lo, c0, c1 *int32, w0, w1, gmap *float32, n int)
// unpoolHardAVX sixteen pixels a step, all n of them (the last step
// masked), from a map laid out [cell][32 bins]: the pixel's gradient
// gathers gmap[32·c0 + lo]·w0 + gmap[32·c1 + lo]·w1, in the same order of
// operations.
TEXT ·unpoolHard512(SB), NOSPLIT, $0-96
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), R8
	MOVQ         gx+16(FP), SI
	MOVQ         gy+24(FP), R9
	MOVQ         m+32(FP), R10
	MOVQ         lo+40(FP), R11
	MOVQ         c0+48(FP), R12
	MOVQ         c1+56(FP), R13
	MOVQ         w0+64(FP), R14
	MOVQ         w1+72(FP), BX
	MOVQ         gmap+80(FP), AX
	MOVQ         n+88(FP), R15
	MOVQ         R15, CX
	ANDQ         $15, CX
	MOVL         $1, DX
	SHLL         CX, DX
	DECL         DX
	KMOVW        DX, K6 // the last, partial step's pixels
	MOVL         $0xffff, DX
	KMOVW        DX, K7
	XORQ         DX, DX
	VPXORD       Z14, Z14, Z14 // 0
uh5loop:
	MOVQ         R15, CX
	SUBQ         DX, CX
	JLE          uh5done
	KMOVW        K7, K5
	CMPQ         CX, $16
	JGE          uh5full
	KMOVW        K6, K5
uh5full:
	VMOVDQU32.Z  (R11)(DX*4), K5, Z0 // lo
	VMOVDQU32.Z  (R12)(DX*4), K5, Z1
	VMOVDQU32.Z  (R13)(DX*4), K5, Z2
	VPSLLD       $5, Z1, Z1
	VPSLLD       $5, Z2, Z2
	VPADDD       Z0, Z1, Z1 // 32·c0 + lo
	VPADDD       Z0, Z2, Z2 // 32·c1 + lo
	KMOVW        K5, K1
	KMOVW        K5, K2
	VPXORD       Z4, Z4, Z4
	VPXORD       Z5, Z5, Z5
	VGATHERDPS   (AX)(Z1*4), K1, Z4
	VGATHERDPS   (AX)(Z2*4), K2, Z5
	VMOVUPS.Z    (R14)(DX*4), K5, Z6
	VMOVUPS.Z    (BX)(DX*4), K5, Z7
	VMULPS       Z6, Z4, Z4
	VMULPS       Z7, Z5, Z5
	VADDPS       Z5, Z4, Z4 // gradient of the pixel's bin
	VMOVUPS.Z    (R10)(DX*4), K5, Z6
	VCMPPS       $4, Z14, Z6, K5, K3 // m ≠ 0 (NEQ_UQ), inside the row
	VDIVPS.Z     Z6, Z4, K3, Z4     // 0 where m = 0
	VMOVUPS.Z    (SI)(DX*4), K5, Z8
	VMOVUPS.Z    (R9)(DX*4), K5, Z9
	VMULPS       Z8, Z4, Z8
	VMULPS       Z9, Z4, Z9
	VMOVUPS      Z8, K5, (DI)(DX*4)
	VMOVUPS      Z9, K5, (R8)(DX*4)
	ADDQ         $16, DX
	JMP          uh5loop
uh5done:
	VZEROUPPER
	RET

// func poolRowBi512(out0, out1 *float32, wr0, wr1 float32, m, f *float32, lo *int32, runs *int32, w *float32, tables *float32, scratch *float32, nc int, narrow bool)
// poolRow512 for bilinear binning: pixel j puts (1 − f)·m·w in its bin lo
// and f·m·w in the next one, rows of tables (onehot) and of tables+4096
// bytes (a 1 at lane (b+1) mod K in row b), in two sets of accumulators.
// narrow (K ≤ 16, DSIFT's 8) leaves out lanes 16 to 31: the cells of out0
// and out1 are then 16 floats.
// Reads lo up to one past a run's end.
TEXT ·poolRowBi512(SB), NOSPLIT, $0-89
	MOVQ         out0+0(FP), DI
	MOVQ         out1+8(FP), SI
	VBROADCASTSS wr0+16(FP), Z28
	VBROADCASTSS wr1+20(FP), Z29
	MOVQ         m+24(FP), R8
	MOVQ         f+32(FP), R15
	MOVQ         lo+40(FP), R9
	MOVQ         runs+48(FP), R10
	MOVQ         w+56(FP), R11
	MOVQ         tables+64(FP), R12
	MOVQ         scratch+72(FP), R13
	MOVQ         nc+80(FP), R14
	TESTQ        R14, R14
	JZ           pbdone
pbcell:
	MOVL      (R10), AX  // first pixel
	MOVL      4(R10), DX // pixels
	RUNMASK
	RUNWEIGHTS
	VMOVUPS.Z (R15)(AX*4), K1, Z9
	VMULPS    Z9, Z0, Z10  // f·m·w
	VSUBPS    Z10, Z0, Z11 // (1 − f)·m·w
	VMOVUPS   Z11, (R13)
	VMOVUPS   Z10, 64(R13)
	MOVQ      R13, BX
	VPXORD    Z1, Z1, Z1
	VPXORD    Z2, Z2, Z2
	VPXORD    Z3, Z3, Z3
	VPXORD    Z4, Z4, Z4
	VPXORD    Z5, Z5, Z5
	VPXORD    Z6, Z6, Z6
	VPXORD    Z7, Z7, Z7
	VPXORD    Z8, Z8, Z8
	CMPB      narrow+88(FP), $0
	JNE       pbnarrow
pbpix:
	BIN(0, 0, 0, Z12, Z1, Z5)
	BIN(0, 4096, 64, Z13, Z2, Z6)
	BIN(1, 0, 4, Z14, Z3, Z7)
	BIN(1, 4096, 68, Z15, Z4, Z8)
	ADDQ $2, AX
	ADDQ $8, BX
	SUBL $2, DX
	JGT  pbpix
	JMP  pbsum
pbnarrow:
	MOVL         (R9)(AX*4), CX
	SHLQ         $7, CX
	VBROADCASTSS (BX), Z12
	VBROADCASTSS 64(BX), Z13
	VFMADD231PS  (R12)(CX*1), Z12, Z1
	VFMADD231PS  4096(R12)(CX*1), Z13, Z2
	MOVL         4(R9)(AX*4), CX
	SHLQ         $7, CX
	VBROADCASTSS 4(BX), Z14
	VBROADCASTSS 68(BX), Z15
	VFMADD231PS  (R12)(CX*1), Z14, Z3
	VFMADD231PS  4096(R12)(CX*1), Z15, Z4
	ADDQ         $2, AX
	ADDQ         $8, BX
	SUBL         $2, DX
	JGT          pbnarrow
pbsum:
	VADDPS Z2, Z1, Z1
	VADDPS Z4, Z3, Z3
	VADDPS Z3, Z1, Z1
	ADDCELL(Z1, Z28, 0, DI)
	ADDCELL(Z1, Z29, 0, SI)
	CMPB   narrow+88(FP), $0
	JNE    pbnext // cells of 16 lanes
	VADDPS Z6, Z5, Z5
	VADDPS Z8, Z7, Z7
	VADDPS Z7, Z5, Z5
	ADDCELL(Z5, Z28, 64, DI)
	ADDCELL(Z5, Z29, 64, SI)
	ADDQ   $64, DI
	ADDQ   $64, SI
pbnext:
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $8, R10
	ADDQ $64, R11
	DECQ R14
	JNZ  pbcell
pbdone:
	VZEROUPPER
	RET

// func unpoolBilinear512(dx, dy, gx, gy, m, f *float32, lo, c0, c1 *int32, w0, w1, gmap *float32, c float32, nk int32, lanes, n int)
// unpoolBilinear sixteen pixels a step, all n (the last step masked),
// from a map laid out [cell][lanes bins]: bins lo and lo+1 (mod nk) of the
// pixel's two cells, gathered, weighted and taken through bilinearGrad.
TEXT ·unpoolBilinear512(SB), NOSPLIT, $0-120
	MOVQ         lanes+104(FP), CX
	VPBROADCASTD CX, Z18
	MOVQ         n+112(FP), CX
	MOVQ         CX, DX
	ANDQ         $15, CX
	MOVL         $1, AX
	SHLL         CX, AX
	DECL         AX
	KMOVW        AX, K6 // the last, partial step's pixels
	MOVL         $0xffff, AX
	KMOVW        AX, K7
	MOVQ         DX, CX
	MOVQ         dx+0(FP), DI
	MOVQ         dy+8(FP), R8
	MOVQ         gx+16(FP), SI
	MOVQ         gy+24(FP), R9
	MOVQ         m+32(FP), R10
	MOVQ         f+40(FP), R15
	MOVQ         lo+48(FP), R11
	MOVQ         c0+56(FP), R12
	MOVQ         c1+64(FP), R13
	MOVQ         w0+72(FP), R14
	MOVQ         w1+80(FP), BX
	MOVQ         gmap+88(FP), AX
	VBROADCASTSS c+96(FP), Z23
	MOVL         nk+100(FP), DX
	VPBROADCASTD DX, Z21
	MOVL         $1, DX
	VPBROADCASTD DX, Z20         // int 1
	MOVL         $0x3f800000, DX
	VPBROADCASTD DX, Z22         // 1.0
	VPXORD       Z19, Z19, Z19   // 0
	XORQ         DX, DX
ub5loop:
	CMPQ         DX, CX
	JGE          ub5done
	KMOVW        K7, K5
	LEAQ         16(DX), R10 // (every register is taken: m is read again)
	CMPQ         R10, CX
	JLE          ub5full
	KMOVW        K6, K5
ub5full:
	MOVQ         m+32(FP), R10
	VMOVDQU32.Z  (R11)(DX*4), K5, Z0 // lo
	VPADDD       Z20, Z0, Z1
	VPCMPEQD     Z21, Z1, K1
	VPXORD       Z1, Z1, K1, Z1      // hi = lo+1, 0 at nk
	VMOVDQU32.Z  (R12)(DX*4), K5, Z2
	VMOVDQU32.Z  (R13)(DX*4), K5, Z3
	VPMULLD      Z18, Z2, Z2
	VPMULLD      Z18, Z3, Z3
	VPADDD       Z0, Z2, Z4
	VPADDD       Z0, Z3, Z5
	VPADDD       Z1, Z2, Z6
	VPADDD       Z1, Z3, Z7
	VPXORD       Z8, Z8, Z8
	VPXORD       Z9, Z9, Z9
	VPXORD       Z10, Z10, Z10
	VPXORD       Z11, Z11, Z11
	KMOVW        K5, K1
	VGATHERDPS   (AX)(Z4*4), K1, Z8
	KMOVW        K5, K1
	VGATHERDPS   (AX)(Z5*4), K1, Z9
	KMOVW        K5, K1
	VGATHERDPS   (AX)(Z6*4), K1, Z10
	KMOVW        K5, K1
	VGATHERDPS   (AX)(Z7*4), K1, Z11
	VMOVUPS.Z    (R14)(DX*4), K5, Z12 // w0
	VMOVUPS.Z    (BX)(DX*4), K5, Z13  // w1
	VMULPS       Z12, Z8, Z8
	VMULPS       Z13, Z9, Z9
	VADDPS       Z9, Z8, Z8           // glo
	VMULPS       Z12, Z10, Z10
	VMULPS       Z13, Z11, Z11
	VADDPS       Z11, Z10, Z10        // ghi
	VMOVUPS.Z    (R15)(DX*4), K5, Z14 // f
	VSUBPS       Z14, Z22, Z15        // 1 − f
	VMULPS       Z15, Z8, Z15
	VMULPS       Z14, Z10, Z16
	VADDPS       Z16, Z15, Z15        // dm
	VSUBPS       Z8, Z10, Z16
	VMULPS       Z23, Z16, Z16        // dθ = c·(ghi − glo)
	VMOVUPS.Z    (R10)(DX*4), K5, Z17 // m
	VCMPPS       $4, Z19, Z17, K5, K3 // m ≠ 0 (NEQ_UQ), inside the row
	VDIVPS.Z     Z17, Z22, K3, Z17    // 1/m, 0 where m = 0
	VMOVUPS.Z    (SI)(DX*4), K5, Z24  // gx
	VMOVUPS.Z    (R9)(DX*4), K5, Z25  // gy
	VMULPS       Z24, Z15, Z26
	VMULPS       Z25, Z16, Z27
	VSUBPS       Z27, Z26, Z26
	VMULPS       Z17, Z26, Z26        // (dm·gx − dθ·gy)/m
	VMULPS       Z25, Z15, Z27
	VMULPS       Z24, Z16, Z30
	VADDPS       Z30, Z27, Z27
	VMULPS       Z17, Z27, Z27        // (dm·gy + dθ·gx)/m
	VMOVUPS      Z26, K5, (DI)(DX*4)
	VMOVUPS      Z27, K5, (R8)(DX*4)
	ADDQ         $16, DX
	JMP          ub5loop
ub5done:
	VZEROUPPER
	RET

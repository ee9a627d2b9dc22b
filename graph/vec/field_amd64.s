#include "textflag.h"

// The image-wide primitives of field.go, eight elements a step over the
// first n/8*8. Products and sums are separate instructions, in the scalar
// code's order, so both give the same values.

// func momentumAVX(x, mu, grad *float32, m, s float32, n int)
TEXT ·momentumAVX(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), DI
	MOVQ         mu+8(FP), SI
	MOVQ         grad+16(FP), DX
	VBROADCASTSS m+24(FP), Y4
	VBROADCASTSS s+28(FP), Y5
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           momdone
momloop:
	VMULPS  (SI), Y4, Y0
	VMULPS  (DX), Y5, Y1
	VSUBPS  Y1, Y0, Y0
	VMOVUPS Y0, (SI)
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     momloop
momdone:
	VZEROUPPER
	RET

// func sumSqDiffAVX(a, b *float32, n int) float32
TEXT ·sumSqDiffAVX(SB), NOSPLIT, $0-28
	MOVQ   a+0(FP), DI
	MOVQ   b+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	SHRQ   $3, CX
	JZ     ssdsum
	TESTQ  $1, CX
	JZ     ssdpairs
	VMOVUPS (DI), Y2
	VSUBPS  (SI), Y2, Y2
	VMULPS  Y2, Y2, Y0
	ADDQ    $32, DI
	ADDQ    $32, SI
ssdpairs:
	SHRQ $1, CX
	JZ   ssdsum
ssdloop:
	VMOVUPS (DI), Y2
	VMOVUPS 32(DI), Y3
	VSUBPS  (SI), Y2, Y2
	VSUBPS  32(SI), Y3, Y3
	VMULPS  Y2, Y2, Y2
	VMULPS  Y3, Y3, Y3
	VADDPS  Y2, Y0, Y0
	VADDPS  Y3, Y1, Y1
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     ssdloop
ssdsum:
	VADDPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VHADDPS      X0, X0, X0
	VHADDPS      X0, X0, X0
	VMOVSS       X0, ret+24(FP)
	VZEROUPPER
	RET

// func laplaceAVX(d, x, up, down *float32, c float32, n int)
// d[k] = c·(4x[k+1] − x[k] − x[k+2] − up[k] − down[k]).
TEXT ·laplaceAVX(SB), NOSPLIT, $0-48
	MOVQ         d+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         up+16(FP), DX
	MOVQ         down+24(FP), R8
	VBROADCASTSS c+32(FP), Y5
	MOVL         $0x40800000, AX
	VMOVD         AX, X4
	VPBROADCASTD X4, Y4 // 4
	MOVQ         n+40(FP), CX
	SHRQ         $3, CX
	JZ           lapdone
laploop:
	VMULPS  4(SI), Y4, Y0
	VSUBPS  (SI), Y0, Y0
	VSUBPS  8(SI), Y0, Y0
	VSUBPS  (DX), Y0, Y0
	VSUBPS  (R8), Y0, Y0
	VMULPS  Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	DECQ    CX
	JNZ     laploop
lapdone:
	VZEROUPPER
	RET

// func sumPow6AVX(x *float32, n int) float64
// In float64: each half of eight floats widened, squared, cubed, summed.
TEXT ·sumPow6AVX(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ   $3, CX
	JZ     p6sum
p6loop:
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VMULPD    Y2, Y2, Y2
	VMULPD    Y3, Y3, Y3
	VMULPD    Y2, Y2, Y6
	VMULPD    Y3, Y3, Y7
	VMULPD    Y2, Y6, Y6
	VMULPD    Y3, Y7, Y7
	VADDPD    Y6, Y0, Y0
	VADDPD    Y7, Y1, Y1
	ADDQ      $32, SI
	DECQ      CX
	JNZ       p6loop
p6sum:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VHADDPD      X0, X0, X0
	VMOVSD       X0, ret+16(FP)
	VZEROUPPER
	RET

// func scaledPow5AVX(d, x *float32, c float32, n int)
// d = c·v²·v²·v, multiplied left to right.
TEXT ·scaledPow5AVX(SB), NOSPLIT, $0-32
	MOVQ         d+0(FP), DI
	MOVQ         x+8(FP), SI
	VBROADCASTSS c+16(FP), Y5
	MOVQ         n+24(FP), CX
	SHRQ         $3, CX
	JZ           p5done
p5loop:
	VMOVUPS (SI), Y0
	VMULPS  Y0, Y0, Y1
	VMULPS  Y1, Y5, Y2
	VMULPS  Y1, Y2, Y2
	VMULPS  Y0, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JNZ     p5loop
p5done:
	VZEROUPPER
	RET

// func scaledDiffAVX(d, a, b *float32, f float32, n int)
TEXT ·scaledDiffAVX(SB), NOSPLIT, $0-40
	MOVQ         d+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	VBROADCASTSS f+24(FP), Y5
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           sdfdone
sdfloop:
	VMOVUPS (SI), Y0
	VSUBPS  (DX), Y0, Y0
	VMULPS  Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     sdfloop
sdfdone:
	VZEROUPPER
	RET

// func scaledDiffsAVX(d, a, b, c, e *float32, f float32, n int)
TEXT ·scaledDiffsAVX(SB), NOSPLIT, $0-56
	MOVQ         d+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	MOVQ         c+24(FP), R8
	MOVQ         e+32(FP), R9
	VBROADCASTSS f+40(FP), Y5
	MOVQ         n+48(FP), CX
	SHRQ         $3, CX
	JZ           sdsdone
sdsloop:
	VMOVUPS (SI), Y0
	VSUBPS  (DX), Y0, Y0
	VMOVUPS (R8), Y1
	VSUBPS  (R9), Y1, Y1
	VADDPS  Y1, Y0, Y0
	VMULPS  Y5, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     sdsloop
sdsdone:
	VZEROUPPER
	RET

// func blendAVX(d, a, b *float32, wa, wb float32, n int)
TEXT ·blendAVX(SB), NOSPLIT, $0-40
	MOVQ         d+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	VBROADCASTSS wa+24(FP), Y4
	VBROADCASTSS wb+28(FP), Y5
	MOVQ         n+32(FP), CX
	SHRQ         $3, CX
	JZ           bldone
blloop:
	VMULPS  (SI), Y4, Y0
	VMULPS  (DX), Y5, Y1
	VADDPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     blloop
bldone:
	VZEROUPPER
	RET

// func mulAVX(d, a, b *float32, n int)
TEXT ·mulAVX(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   muldone
mulloop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     mulloop
muldone:
	VZEROUPPER
	RET

// func addMulAVX(d, a, b *float32, n int)
// d += a·b, the product rounded before the sum (no fused multiply-add), as
// the scalar loop.
TEXT ·addMulAVX(SB), NOSPLIT, $0-32
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   amdone
amloop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     amloop
amdone:
	VZEROUPPER
	RET

// func mulSubAVX(d, a, b, c, e *float32, n int)
TEXT ·mulSubAVX(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ c+24(FP), R8
	MOVQ e+32(FP), R9
	MOVQ n+40(FP), CX
	SHRQ $3, CX
	JZ   msdone
msloop:
	VMOVUPS (SI), Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS (R8), Y1
	VMULPS  (R9), Y1, Y1
	VSUBPS  Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     msloop
msdone:
	VZEROUPPER
	RET

// func adaGradAVX(x, mu, acc, grad *float32, m, rho, inv float32, n int)
// acc ← rho·acc + g², mu ← m·mu − g/(inv + √acc), x ← x + mu.
TEXT ·adaGradAVX(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), DI
	MOVQ         mu+8(FP), SI
	MOVQ         acc+16(FP), BX
	MOVQ         grad+24(FP), DX
	VBROADCASTSS m+32(FP), Y4
	VBROADCASTSS rho+36(FP), Y5
	VBROADCASTSS inv+40(FP), Y6
	MOVQ         n+48(FP), CX
	SHRQ         $3, CX
	JZ           agdone
agloop:
	VMOVUPS (DX), Y0
	VMULPS  (BX), Y5, Y1
	VMULPS  Y0, Y0, Y2
	VADDPS  Y2, Y1, Y1
	VMOVUPS Y1, (BX)
	VSQRTPS Y1, Y1
	VADDPS  Y1, Y6, Y1
	VDIVPS  Y1, Y0, Y0
	VMULPS  (SI), Y4, Y2
	VSUBPS  Y0, Y2, Y2
	VMOVUPS Y2, (SI)
	VADDPS  (DI), Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, BX
	ADDQ    $32, DX
	DECQ    CX
	JNZ     agloop
agdone:
	VZEROUPPER
	RET

// The exponential of eight float32 lanes, shared by the kernels that
// include this file: range reduction by ln 2 (in two parts) and Cephes
// expf's polynomial, relative error about 2e-7, for arguments up to 88
// (smaller ones flush to 0 below −87; a NaN stays NaN).

DATA expc<>+0(SB)/4, $0xc2ae0000  // −87
DATA expc<>+4(SB)/4, $0x3fb8aa3b  // log2 e
DATA expc<>+8(SB)/4, $0x3f000000  // 0.5
DATA expc<>+12(SB)/4, $0x3f318000 // ln 2, high part
DATA expc<>+16(SB)/4, $0xb95e8083 // ln 2, low part (negative)
DATA expc<>+20(SB)/4, $0x3f800000 // 1
DATA expc<>+24(SB)/4, $0x39506967 // polynomial, highest power first
DATA expc<>+28(SB)/4, $0x3ab743ce
DATA expc<>+32(SB)/4, $0x3c088908
DATA expc<>+36(SB)/4, $0x3d2aa9c1
DATA expc<>+40(SB)/4, $0x3e2aaaaa
DATA expc<>+44(SB)/4, $0x3f000000
DATA expc<>+48(SB)/4, $127        // exponent bias
GLOBL expc<>(SB), RODATA|NOPTR, $52

// EXP8(z, n, r, p, t) sets z = e^z, clobbering n, r, p and t.
#define EXP8(z, n, r, p, t) \
	VBROADCASTSS expc<>+0(SB), t;  \
	VMAXPS       z, t, z;          \
	VBROADCASTSS expc<>+8(SB), n;  \
	VBROADCASTSS expc<>+4(SB), t;  \
	VFMADD231PS  t, z, n;          \
	VROUNDPS     $1, n, n;         \
	VMOVAPS      z, r;             \
	VBROADCASTSS expc<>+12(SB), t; \
	VFNMADD231PS t, n, r;          \
	VBROADCASTSS expc<>+16(SB), t; \
	VFNMADD231PS t, n, r;          \
	VBROADCASTSS expc<>+24(SB), p; \
	VBROADCASTSS expc<>+28(SB), t; \
	VFMADD213PS  t, r, p;          \
	VBROADCASTSS expc<>+32(SB), t; \
	VFMADD213PS  t, r, p;          \
	VBROADCASTSS expc<>+36(SB), t; \
	VFMADD213PS  t, r, p;          \
	VBROADCASTSS expc<>+40(SB), t; \
	VFMADD213PS  t, r, p;          \
	VBROADCASTSS expc<>+44(SB), t; \
	VFMADD213PS  t, r, p;          \
	VMULPS       r, r, t;          \
	VFMADD213PS  r, t, p;          \
	VBROADCASTSS expc<>+20(SB), t; \
	VADDPS       t, p, p;          \
	VCVTPS2DQ    n, n;             \
	VPBROADCASTD expc<>+48(SB), t; \
	VPADDD       t, n, n;          \
	VPSLLD       $23, n, n;        \
	VMULPS       n, p, z

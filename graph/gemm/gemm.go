// Package gemm is the matrix product of the numeric core,
// C = op(A)·op(B) + β·C on row-major float32 matrices, behind one small
// interface with one implementation per way of computing it: gonum's pure
// Go BLAS (everywhere), an AVX2/FMA micro-kernel (amd64), OpenBLAS (the
// cgo build, -tags openblas). Best is the fastest this build and CPU have;
// convolutions, matrix multiplications and Winograd products call it.
package gemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Product computes C = op(A)·op(B) + beta·C, op(A) m×k and op(B) k×n
// (transposed where tA, tB), their rows lda, ldb and ldc floats apart.
type Product interface {
	Mul(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	Name() string
}

// Packer is a Product that splits the product in two: packing op(A) into
// its micro-kernel's layout once, then products with the packed op(A).
// Convolutions pack their constant weights once instead of on every call.
type Packer interface {
	Product
	// PanelRows is the rows of a packed panel.
	PanelRows() int
	// PackA packs op(A), m×k; nil where the shape does not suit.
	PackA(tA bool, m, k int, a []float32, lda int) []float32
	// MulPacked is Mul with op(A) packed and B untransposed, and e applied
	// on the way out: C = relu(op(A)·B + bias + beta·C); false where it
	// cannot take the shape (the caller then uses Mul).
	MulPacked(ap []float32, m, n, k int, b []float32, ldb int, beta float32, c []float32, ldc int, e Epilogue) bool
}

// Epilogue is what a packed product applies to C while its tiles are
// still in registers: a bias per row of C and a Relu, a convolution's
// bias and activation without passes over C of their own.
type Epilogue struct {
	Bias []float32 // one per row of C; nil for none
	Relu bool
}

// Best is the fastest product of this build and CPU, chosen at start-up.
var Best Product = Gonum{}

// Available lists every product this build and CPU can run, Gonum first:
// tests hold each against the others.
func Available() []Product { return available }

var available = []Product{Gonum{}}

// Gonum is gonum's pure-Go BLAS: the reference and the last resort.
type Gonum struct{}

// Name implements Product.
func (Gonum) Name() string { return "gonum (pure Go)" }

// Mul implements Product.
func (Gonum) Mul(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	ar, ac := m, k
	if tA {
		ta, ar, ac = blas.Trans, k, m
	}
	br, bc := k, n
	if tB {
		tb, br, bc = blas.Trans, n, k
	}
	blas32.Gemm(ta, tb, 1,
		blas32.General{Rows: ar, Cols: ac, Stride: lda, Data: a},
		blas32.General{Rows: br, Cols: bc, Stride: ldb, Data: b},
		beta, blas32.General{Rows: m, Cols: n, Stride: ldc, Data: c})
}

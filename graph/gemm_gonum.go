//go:build !openblas

package graph

// BLAS names the matrix-product implementation this build uses.
const BLAS = "gonum (pure Go)"

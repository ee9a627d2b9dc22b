//go:build !openblas

package graph

// gemmTag is set by builds with an external BLAS.
const gemmTag = ""

package graph

import (
	"errors"
	"fmt"
	"slices"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Program is a graph compiled once and run many times: it evaluates chosen
// nodes and, when built with a loss, the loss and its gradient with respect
// to the input. Only the input-gradient path is differentiated: constants
// (weights) never get gradients.
type Program struct {
	g     *Graph
	sched *schedule
	outs  []*Node
	loss  *Node
	grad  *gorgonia.Node
	ran   bool
}

// Compile builds a program that computes outputs and, when loss is not nil,
// the scalar loss and d(loss)/d(input). A graph can be compiled once.
func (g *Graph) Compile(loss *Node, outputs ...*Node) (p *Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compiling graph: %v", r)
		}
	}()
	if g.input == nil {
		return nil, errors.New("graph has no input")
	}
	if g.g == nil {
		return nil, errors.New("graph was already compiled")
	}
	p = &Program{g: g, outs: outputs}
	for i, o := range outputs {
		if o == nil || o.graph != g {
			return nil, fmt.Errorf("output %d does not belong to this graph", i)
		}
	}
	if loss != nil {
		if len(loss.shape) != 0 {
			return nil, fmt.Errorf("loss must be a scalar, has shape %v", loss.shape)
		}
		if !loss.live {
			return nil, errors.New("loss does not depend on the input")
		}
		p.loss = loss
		grads, err := gorgonia.Grad(loss.n, g.input.n)
		if err != nil {
			return nil, fmt.Errorf("differentiating: %w", err)
		}
		p.grad = grads[0]
	}
	if p.sched, err = newSchedule(g.g, g.input.n); err != nil {
		return nil, err
	}
	keep := []*gorgonia.Node{p.grad}
	if p.loss != nil {
		keep = append(keep, p.loss.n)
	}
	for _, o := range outputs {
		keep = append(keep, o.n)
	}
	p.sched.lend(keep...)
	g.g = nil // further ops would not be part of the compiled program
	return p, nil
}

// Run evaluates the program at input x (shaped as the graph's input).
func (p *Program) Run(x *Tensor) (err error) {
	if !slices.Equal(x.Shape, p.g.input.shape) {
		return fmt.Errorf("input shape %v does not match the graph input %v", x.Shape, p.g.input.shape)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("running graph: %v", r)
		}
	}()
	dense := tensor.New(tensor.WithShape(x.Shape...), tensor.WithBacking(x.Data), tensor.WithEngine(addEngine{}))
	if err := p.sched.run(dense); err != nil {
		return err
	}
	p.ran = true
	return nil
}

// Output returns the value of the i-th output of the last Run (a copy).
func (p *Program) Output(i int) (*Tensor, error) {
	o := p.outs[i]
	if !o.live {
		return o.c.Clone(), nil
	}
	if !p.ran {
		return nil, errors.New("program has not run")
	}
	return valueTensor(p.sched.value(o.n), o.shape)
}

// Loss returns the loss of the last Run.
func (p *Program) Loss() (float64, error) {
	if p.loss == nil || !p.ran {
		return 0, errors.New("program has no loss or has not run")
	}
	t, err := valueTensor(p.sched.value(p.loss.n), nil)
	if err != nil {
		return 0, err
	}
	return float64(t.Data[0]), nil
}

// InputGrad returns d(loss)/d(input) of the last Run (a copy).
func (p *Program) InputGrad() (*Tensor, error) {
	t := NewTensor(p.g.input.shape...)
	if err := p.InputGradTo(t); err != nil {
		return nil, err
	}
	return t, nil
}

// InputGradTo copies d(loss)/d(input) of the last Run into dst (shaped as
// the input), without allocating: an optimiser reads it every iteration.
func (p *Program) InputGradTo(dst *Tensor) error {
	if p.grad == nil || !p.ran {
		return errors.New("program has no loss or has not run")
	}
	ts, err := fromValues([]gorgonia.Value{p.sched.value(p.grad)})
	if err != nil {
		return err
	}
	if len(ts[0].Data) != len(dst.Data) {
		return fmt.Errorf("gradient has %d elements, destination %d", len(ts[0].Data), len(dst.Data))
	}
	copy(dst.Data, ts[0].Data)
	return nil
}

// Close releases the program's values.
func (p *Program) Close() error {
	p.sched.vals = nil
	p.ran = false
	return nil
}

func valueTensor(v gorgonia.Value, shape []int) (*Tensor, error) {
	ts, err := fromValues([]gorgonia.Value{v})
	if err != nil {
		return nil, err
	}
	t := ts[0].Clone()
	t.Shape = append([]int(nil), shape...)
	if len(t.Data) != Numel(shape) {
		return nil, fmt.Errorf("value has %d elements, want %d for shape %v", len(t.Data), Numel(shape), shape)
	}
	return t, nil
}

// Evaluate compiles g for the single output out, runs it forward on x and
// returns the output: the one-shot use of a graph (features, references).
func (g *Graph) Evaluate(out *Node, x *Tensor) (*Tensor, error) {
	p, err := g.Compile(nil, out)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	if err := p.Run(x); err != nil {
		return nil, err
	}
	return p.Output(0)
}

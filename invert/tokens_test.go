package invert

import "testing"

func TestTokenMasks(t *testing.T) {
	shape := []int{1, 17, 3} // a class token and 4×4 patches of 3 channels
	m, err := NeighMask(shape, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Central 2×2 patches of the 4×4 grid: rows and columns 1 and 2, after the class token.
	want := map[int]bool{1 + 5: true, 1 + 6: true, 1 + 9: true, 1 + 10: true}
	for tok := 0; tok < 17; tok++ {
		for c := 0; c < 3; c++ {
			if got := m.Data[tok*3+c] == 1; got != want[tok] {
				t.Fatalf("neigh 2: token %d channel %d kept = %v", tok, c, got)
			}
		}
	}
	if _, err := NeighMask(shape, 5); err == nil {
		t.Error("a 5×5 window fitted a 4×4 patch grid")
	}
	tm, err := TokenMask(shape, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := ChannelMask(shape, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for tok := 0; tok < 17; tok++ {
		for c := 0; c < 3; c++ {
			if (tm.Data[tok*3+c] == 1) != (tok == 0) || (cm.Data[tok*3+c] == 1) != (c >= 1) {
				t.Fatalf("token %d channel %d: tokens 0:1 %v, channels 1:3 %v", tok, c, tm.Data[tok*3+c], cm.Data[tok*3+c])
			}
		}
	}
	if _, err := TokenMask([]int{1, 3, 4, 4}, 0, 1); err == nil {
		t.Error("--tokens accepted a feature map")
	}
	if _, err := TokenMask(shape, 10, 20); err == nil {
		t.Error("tokens 10:20 of 17 accepted")
	}
}

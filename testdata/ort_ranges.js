// Calibration for testdata/fullsize_quant.py: runs dump.onnx (every node
// output a graph output) on each float32 .npy input and writes the
// min and max of the input and of every float output over all of them
// as JSON.
//   NODE_PATH=<dir>/node_modules node testdata/ort_ranges.js dump.onnx out.json in1.npy [in2.npy ...]
const ort = require('onnxruntime-node'); const fs = require('fs');
function readNpy(p) {
  const b = fs.readFileSync(p); const major = b[6]; const hl = major >= 2 ? b.readUInt32LE(8) : b.readUInt16LE(8);
  const off = major >= 2 ? 12 : 10; const h = b.slice(off, off + hl).toString('latin1');
  const shape = h.match(/'shape': \(([^)]*)\)/)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const start = off + hl; return { shape, data: new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length)) };
}
(async () => {
  const [model, out, ...inputs] = process.argv.slice(2);
  const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'disabled' });
  const ranges = {};
  for (const p of inputs) {
    const x = readNpy(p); const feeds = {}; feeds[s.inputNames[0]] = new ort.Tensor('float32', x.data, x.shape);
    const r = Object.assign({ [s.inputNames[0]]: feeds[s.inputNames[0]] }, await s.run(feeds));
    for (const k of [s.inputNames[0], ...s.outputNames]) {
      if (!(r[k].data instanceof Float32Array)) continue;
      let lo = Infinity, hi = -Infinity;
      for (const v of r[k].data) { if (v < lo) lo = v; if (v > hi) hi = v; }
      const c = ranges[k] || [Infinity, -Infinity]; ranges[k] = [Math.min(c[0], lo), Math.max(c[1], hi)];
    }
  }
  fs.writeFileSync(out, JSON.stringify(ranges));
})().catch(e => { console.error(e); process.exit(1); });

// onnxruntime references for a fixture folder: runs dump.onnx (the
// model with every node output made a graph output) on input.npy and
// writes each output as float32 .npy (integer tensors converted, exactly
// for the 8-, 16- and small 32-bit values these models hold) into outdir,
// with types.txt listing "name element-type".
//   NODE_PATH=<dir>/node_modules node testdata/ort_nodes.js dump.onnx input.npy outdir
const ort = require('onnxruntime-node'); const fs = require('fs'); const path = require('path');
function readNpy(p) {
  const b = fs.readFileSync(p); const major = b[6]; const hl = major >= 2 ? b.readUInt32LE(8) : b.readUInt16LE(8);
  const off = major >= 2 ? 12 : 10; const h = b.slice(off, off + hl).toString('latin1');
  if (!/'descr': '<f4'/.test(h)) throw new Error('need <f4: ' + h);
  const shape = h.match(/'shape': \(([^)]*)\)/)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const start = off + hl; return { shape, data: new Float32Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length)) };
}
function writeNpy(p, dims, data) {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length == 1 ? ',' : ''}), }`;
  const pad = (64 - ((10 + h.length + 1) % 64)) % 64; h = h + ' '.repeat(pad) + '\n';
  const hdr = Buffer.alloc(10); hdr.write('\x93NUMPY', 0, 'latin1'); hdr[6] = 1; hdr[7] = 0; hdr.writeUInt16LE(h.length, 8);
  const f = Float32Array.from(data, Number);
  fs.writeFileSync(p, Buffer.concat([hdr, Buffer.from(h, 'latin1'), Buffer.from(f.buffer)]));
}
(async () => {
  const [model, input, outdir] = process.argv.slice(2); fs.mkdirSync(outdir, { recursive: true });
  const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: process.env.ORT_LEVEL || 'disabled' });
  const x = readNpy(input); const feeds = {}; feeds[s.inputNames[0]] = new ort.Tensor('float32', x.data, x.shape);
  const r = await s.run(feeds); const types = [];
  s.outputNames.forEach((k, i) => {
    writeNpy(path.join(outdir, `${i}.npy`), r[k].dims, r[k].data);
    types.push(`${k} ${r[k].type}`);
  });
  fs.writeFileSync(path.join(outdir, 'types.txt'), types.join('\n') + '\n');
})().catch(e => { console.error(e); process.exit(1); });

// Times onnxruntime-node's forward pass for invrep-bench's forward table:
// session creation, then n runs on a seeded random [1,3,S,S] input after
// one warm-up run; prints the median run and the creation time.
//   NODE_PATH=<dir>/node_modules node testdata/ort_forward.js MODEL.onnx S n threads
const ort = require('onnxruntime-node');
(async () => {
  const [model, size, n, threads] = process.argv.slice(2);
  const t0 = Date.now();
  const s = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: +threads, interOpNumThreads: 1 });
  const create = (Date.now() - t0) / 1000;
  const S = +size, data = new Float32Array(3 * S * S);
  let seed = 1;
  for (let i = 0; i < data.length; i++) { seed = (seed * 1103515245 + 12345) % 2147483648; data[i] = seed / 2147483648; }
  const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, S, S]) };
  await s.run(feeds);
  const times = [];
  for (let k = 0; k < +n; k++) { const t = process.hrtime.bigint(); await s.run(feeds); times.push(Number(process.hrtime.bigint() - t) / 1e6); }
  times.sort((a, b) => a - b);
  console.log(`RESULT ms_per_iter=${times[Math.floor(times.length / 2)].toFixed(1)} create_s=${create.toFixed(2)}`);
})().catch(e => { console.error(e); process.exit(1); });

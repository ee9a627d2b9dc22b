// Times onnxruntime-node's session creation for a model, on 2 threads:
// what `invrep layers` and the set-up part of `invrep features` are
// measured against (docs/speed.md).
//   NODE_PATH=<dir>/node_modules node testdata/ort_create.js MODEL.onnx
const ort = require('onnxruntime-node');
(async () => {
  const t0 = Date.now();
  await ort.InferenceSession.create(process.argv[2], { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1 });
  console.log(`create_ms=${Date.now() - t0}`);
})().catch(e => { console.error(e); process.exit(1); });

// The status example's pod (src/examples.js loads this chunk).
export { default } from '../../tests/data/status/pod-image-pull-failure.json';

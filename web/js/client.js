// Loads the browser module (jianfu-client, built into /pkg by scripts/build-wasm.sh) once.
// Resolves to its exports, or to null when it cannot load: the server checks everything
// again anyway, so a page still works without it.

let loading = null;

export function client() {
  loading ??= import("../pkg/jianfu_client.js")
    .then(async (module) => {
      await module.default();
      return module;
    })
    .catch((err) => {
      console.warn("jianfu: the browser module did not load", err);
      return null;
    });
  return loading;
}

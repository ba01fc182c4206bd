/**
 * The part of the WebAssembly JS API (https://webassembly.github.io/spec/js-api/) the verifier
 * loader uses. Node provides it globally; tsconfig's lib (ES2022, no DOM) does not declare it.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  type BufferSource = ArrayBufferView | ArrayBuffer;
}

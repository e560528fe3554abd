/**
 * The GPU the fused kernels run on: the tfjs WebGPU backend's own device, so the fused
 * path and tfjs share one queue (a tfjs readback fences fused work too) and no second
 * adapter is requested. Pipelines are compiled once per WGSL source.
 *
 * Browser-only at run time; importing this module in Node is harmless (no GPU globals
 * are touched until a function is called).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/**
 * The device of the tfjs WebGPU backend, or null when it has not started. Read from the
 * engine's registry of started backends: `tf.findBackend` would start one that has not.
 */
export function webgpuDevice(): GPUDevice | null {
  const registry = (tf.engine() as unknown as { registry?: Record<string, unknown> }).registry;
  const backend = registry?.webgpu as WebGPUBackend | undefined;
  return backend?.device ?? null;
}

export class GpuContext {
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(readonly device: GPUDevice) {}

  pipeline(code: string, label: string): GPUComputePipeline {
    let p = this.pipelines.get(code);
    if (!p) {
      const module = this.device.createShaderModule({ code, label });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label });
      this.pipelines.set(code, p);
    }
    return p;
  }

  /** A storage buffer (also a copy source and destination), zero-filled, at least 16 bytes. */
  storage(bytes: number, label: string): GPUBuffer {
    return this.device.createBuffer({
      size: roundUp(Math.max(16, bytes), 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      label,
    });
  }

  storageFrom(data: Float32Array | Uint32Array, label: string): GPUBuffer {
    const b = this.storage(data.byteLength, label);
    this.device.queue.writeBuffer(b, 0, data.buffer, data.byteOffset, data.byteLength);
    return b;
  }

  uniform(words: number, label: string): GPUBuffer {
    return this.device.createBuffer({
      size: roundUp(words * 4, 16),
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label,
    });
  }

  bindGroup(pipeline: GPUComputePipeline, buffers: readonly (GPUBuffer | null)[], label: string): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    buffers.forEach((buffer, binding) => {
      if (buffer) entries.push({ binding, resource: { buffer } });
    });
    return this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries, label });
  }

  /** Encodes one dispatch of `invocations` (rounded up to whole workgroups of `workgroup`). */
  dispatch(encoder: GPUCommandEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, invocations: number, workgroup: number): void {
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(Math.max(1, Math.ceil(invocations / workgroup)));
    pass.end();
  }

  /**
   * Copies `regions` (buffer, byte length) one after another into one staging buffer,
   * submits, and maps it: the single readback of a frame.
   */
  async readBack(regions: readonly { buffer: GPUBuffer; bytes: number }[], encoder?: GPUCommandEncoder): Promise<Float32Array> {
    const total = regions.reduce((s, r) => s + roundUp(r.bytes, 4), 0);
    const staging = this.device.createBuffer({ size: roundUp(Math.max(16, total), 16), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = encoder ?? this.device.createCommandEncoder();
    let offset = 0;
    for (const r of regions) {
      if (r.bytes > 0) enc.copyBufferToBuffer(r.buffer, 0, staging, offset, roundUp(r.bytes, 4));
      offset += roundUp(r.bytes, 4);
    }
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
      return new Float32Array(staging.getMappedRange().slice(0, total));
    } finally {
      staging.destroy();
    }
  }

  writeWords(buffer: GPUBuffer, words: Uint32Array): void {
    this.device.queue.writeBuffer(buffer, 0, words.buffer, words.byteOffset, words.byteLength);
  }
}

const contexts = new WeakMap<GPUDevice, GpuContext>();

/** One context (pipeline cache) per device. */
export function gpuContext(device: GPUDevice): GpuContext {
  let c = contexts.get(device);
  if (!c) {
    c = new GpuContext(device);
    contexts.set(device, c);
  }
  return c;
}

export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** Writes a float into a word array as its float32 bits. */
export function putF32(words: Uint32Array, index: number, value: number): void {
  new Float32Array(words.buffer, words.byteOffset + index * 4, 1)[0] = value;
}

/**
 * Test-only GPU memory accounting (?debug=faults): counts the live GPUBuffers and their
 * bytes by wrapping GPUDevice.createBuffer and GPUBuffer.destroy. Both tfjs's WebGPU
 * backend (through its buffer pool) and the fused kernels (src/gpu) allocate through
 * these, so a soak run can check that GPU memory stays flat whichever path it takes.
 * Installed in the engine worker before any device exists; never in normal use.
 */
export interface GpuMemory {
  liveBuffers: number;
  liveBytes: number;
}

const live = new Map<GPUBuffer, number>();
let installed = false;

export function installGpuBufferAccounting(): boolean {
  if (installed) return true;
  const Device = (globalThis as { GPUDevice?: { prototype: GPUDevice } }).GPUDevice;
  const Buffer = (globalThis as { GPUBuffer?: { prototype: GPUBuffer } }).GPUBuffer;
  if (!Device || !Buffer) return false;
  const create = Device.prototype.createBuffer;
  const destroy = Buffer.prototype.destroy;
  Device.prototype.createBuffer = function (this: GPUDevice, descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = create.call(this, descriptor);
    live.set(buffer, descriptor.size);
    return buffer;
  };
  Buffer.prototype.destroy = function (this: GPUBuffer): undefined {
    live.delete(this);
    return destroy.call(this);
  };
  installed = true;
  return true;
}

/** Live GPU buffers and bytes since installation (null when not installed). */
export function gpuMemory(): GpuMemory | null {
  if (!installed) return null;
  let liveBytes = 0;
  for (const size of live.values()) liveBytes += size;
  return { liveBuffers: live.size, liveBytes };
}

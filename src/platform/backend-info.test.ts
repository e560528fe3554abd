import { describe, expect, it } from 'vitest';
import { backendAttemptOrder, backendLabel, describeBackend, fallbackOrder, isSoftwareAdapter, parseBackendParam, parseDebugFaults } from './backend-info';

describe('backend info helpers', () => {
  it('parses ?backend= leniently and rejects unknown names', () => {
    expect(parseBackendParam('?backend=cpu')).toBe('cpu');
    expect(parseBackendParam('?x=1&backend=WebGPU')).toBe('webgpu');
    expect(parseBackendParam('?backend=wasm')).toBe('wasm');
    expect(parseBackendParam('?backend=webgl2')).toBeUndefined();
    expect(parseBackendParam('')).toBeUndefined();
  });

  it('tries the requested backend first, then the usual order', () => {
    expect(backendAttemptOrder()).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(backendAttemptOrder('cpu')).toEqual(['cpu', 'webgpu', 'webgl', 'wasm']);
    expect(backendAttemptOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
  });

  it('labels SwiftShader and fallback adapters as software WebGPU', () => {
    expect(isSoftwareAdapter({ architecture: 'swiftshader', vendor: 'google' })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false })).toBe(false);
    expect(isSoftwareAdapter(undefined)).toBe(false);
    expect(backendLabel('webgpu', { architecture: 'swiftshader' })).toBe('WebGPU (software)');
    expect(backendLabel('webgpu', { vendor: 'nvidia' })).toBe('WebGPU');
    expect(backendLabel('webgl')).toBe('WebGL');
    expect(backendLabel('cpu')).toBe('CPU');
  });

  it('describes the adapter and the fallback reason', () => {
    const text = describeBackend({
      name: 'webgpu',
      label: 'WebGPU (software)',
      adapterInfo: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true },
    });
    expect(text).toContain('architecture swiftshader');
    expect(text).toContain('software emulation');
    expect(describeBackend({ name: 'cpu', label: 'CPU', fallbackReason: 'webgpu: no adapter' })).toContain('fallback: webgpu: no adapter');
  });
});

describe('device loss', () => {
  it('falls back to the backends after the lost one', () => {
    expect(fallbackOrder('webgpu')).toEqual(['webgl', 'wasm', 'cpu']);
    expect(fallbackOrder('webgl')).toEqual(['wasm', 'cpu']);
    expect(fallbackOrder('cpu')).toEqual([]);
  });

  it('enables fault injection only with ?debug=faults', () => {
    expect(parseDebugFaults('?debug=faults')).toBe(true);
    expect(parseDebugFaults('?backend=cpu&debug=x,faults')).toBe(true);
    expect(parseDebugFaults('?debug=fault')).toBe(false);
    expect(parseDebugFaults('')).toBe(false);
  });
});

/**
 * Side-effect import for main-thread modules that read task metadata or defaults.
 *
 * The task factories build their small constant tensors when a task is first created,
 * so even reading `createTask(id).meta` or `defaultPlaygroundConfig(id)` needs *a* tfjs
 * backend. On the page this tfjs instance only ever holds those constants: registering
 * the CPU backend is enough (tfjs initialises the only registered backend on first use).
 * All real computation happens in the engine worker, with its own tfjs and backend.
 */
import '@tensorflow/tfjs-backend-cpu';

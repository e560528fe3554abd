import { useController, useSim } from '../context';

/**
 * Progress of opening a pinned link: the engine replays the shared run from its seed to
 * the pinned iteration (src/engine/replay.ts). Play during the replay runs on from there.
 */
export function SharedReplay() {
  const controller = useController();
  const replay = useSim((s) => s.replay);
  if (!replay || replay.state !== 'running') return null;
  const fraction = replay.total > 0 ? replay.done / replay.total : 0;
  return (
    <div className="notice info shared-replay" role="status" data-testid="replay-progress" data-done={replay.done} data-total={replay.total}>
      <span>
        Opening the shared run at iteration {replay.total}: replaying it from the seed… {replay.done} / {replay.total}
        <progress max={1} value={fraction} aria-label="Replay progress" />
      </span>
      <button type="button" className="button small" data-testid="replay-stop" onClick={() => controller.cancelReplay()} title="Stop the replay here; the run stays at this iteration">
        Stop here
      </button>
    </div>
  );
}

import { useEffect, useId, useRef, useState } from 'react';
import { LOG_SLIDER_STEPS, logSliderPosition, logSliderValue } from '../log-scale';
import { fmt } from '../figures/common';

interface LogSliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  onChange: (value: number) => void;
  testId?: string;
  disabled?: boolean;
}

/**
 * A range input on a logarithmic scale. A drag is one change: the thumb follows the
 * pointer, and the value is committed when the pointer is released (a live setting
 * changed at every pointer move would be a dozen changes in the run's history, and in a
 * pinned link). Keyboard steps and clicks commit at once.
 */
export function LogSlider({ label, value, min, max, onChange, testId, disabled }: LogSliderProps) {
  const id = useId();
  /** The value under a pointer that is still down (null when not dragging). */
  const [draft, setDraft] = useState<number | null>(null);
  const dragging = useRef(false);
  const latest = useRef<number | null>(null);
  const commit = useRef(onChange);
  useEffect(() => {
    commit.current = onChange;
  });

  // The release can happen anywhere on the page, not only over the slider.
  useEffect(() => {
    const release = (): void => {
      if (!dragging.current) return;
      dragging.current = false;
      const v = latest.current;
      latest.current = null;
      setDraft(null);
      if (v !== null) commit.current(v);
    };
    window.addEventListener('pointerup', release);
    window.addEventListener('pointercancel', release);
    window.addEventListener('blur', release);
    return () => {
      window.removeEventListener('pointerup', release);
      window.removeEventListener('pointercancel', release);
      window.removeEventListener('blur', release);
    };
  }, []);

  const shown = draft ?? value;
  return (
    <div className="log-slider">
      <input
        id={id}
        type="range"
        aria-label={label}
        aria-valuetext={fmt(shown)}
        min={0}
        max={LOG_SLIDER_STEPS}
        step={1}
        value={logSliderPosition(shown, min, max)}
        disabled={disabled}
        data-testid={testId}
        data-value={value}
        data-dragging={draft !== null ? '1' : '0'}
        onPointerDown={() => {
          dragging.current = true;
        }}
        onChange={(e) => {
          const v = logSliderValue(Number(e.target.value), min, max);
          if (dragging.current) {
            latest.current = v;
            setDraft(v);
          } else {
            onChange(v);
          }
        }}
      />
      <div className="slider-scale" aria-hidden="true">
        <span>{fmt(min)}</span>
        <span>{fmt(max)}</span>
      </div>
    </div>
  );
}

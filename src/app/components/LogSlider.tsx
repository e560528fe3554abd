import { useId } from 'react';
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

/** A range input on a logarithmic scale. */
export function LogSlider({ label, value, min, max, onChange, testId, disabled }: LogSliderProps) {
  const id = useId();
  return (
    <div className="log-slider">
      <input
        id={id}
        type="range"
        aria-label={label}
        aria-valuetext={fmt(value)}
        min={0}
        max={LOG_SLIDER_STEPS}
        step={1}
        value={logSliderPosition(value, min, max)}
        disabled={disabled}
        data-testid={testId}
        data-value={value}
        onChange={(e) => onChange(logSliderValue(Number(e.target.value), min, max))}
      />
      <div className="slider-scale" aria-hidden="true">
        <span>{fmt(min)}</span>
        <span>{fmt(max)}</span>
      </div>
    </div>
  );
}

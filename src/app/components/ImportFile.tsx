import { useCallback, useEffect, useRef, useState } from 'react';
import { useController } from '../context';
import { readExperimentFile, shownFileName } from '../export/files';

/** Opens an exported experiment file: restores it, or says what was wrong and keeps the current one. */
function useImportFile(): (file: File) => Promise<void> {
  const controller = useController();
  return useCallback(
    async (file: File) => {
      const name = shownFileName(file.name);
      const outcome = await readExperimentFile(file);
      if (!outcome.ok) {
        controller.notify('error', `Could not open "${name}": ${outcome.problem}. Kept the current experiment.`);
        return;
      }
      const { config, pin, warnings } = outcome.result;
      controller.applyExternalConfig(config, pin);
      if (warnings.length > 0) controller.notify('warning', `"${name}" needed fixing: ${warnings.join(' ')}`);
      controller.notify('info', `Opened "${name}"${pin && pin.iteration > 0 ? `, replaying it from the seed to iteration ${pin.iteration}` : ''}.`);
    },
    [controller],
  );
}

/** "Import…": a file dialog for an exported experiment (.json). */
export function ImportButton() {
  const importFile = useImportFile();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="button" data-testid="import" onClick={() => input.current?.click()} title="Open an exported experiment (.json); you can also drop it on the page">
        Import
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        hidden
        data-testid="import-file"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          e.currentTarget.value = '';
          if (file) void importFile(file);
        }}
      />
    </>
  );
}

function hasFiles(e: DragEvent): boolean {
  return e.dataTransfer?.types.includes('Files') ?? false;
}

/** A JSON export dropped anywhere on the page opens it. */
export function ImportDropZone() {
  const importFile = useImportFile();
  const controller = useController();
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  useEffect(() => {
    const enter = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth.current += 1;
      setOver(true);
    };
    const leave = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const overHandler = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent): void => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      const files = e.dataTransfer?.files;
      const file = files?.[0];
      if (!file) return;
      if (files.length > 1) controller.notify('warning', `Dropped ${files.length} files; opened the first one only.`);
      void importFile(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, [importFile, controller]);
  if (!over) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      Drop an ES Playground export (.json) to open it
    </div>
  );
}

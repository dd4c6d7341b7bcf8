/** The Data co-pilot icon: a small table with a spark. */
import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 4h12v2H5v3h6v2H5v3h6v2H5v3h10v2H3z"/>
    <path d="M13 9h2v2h-2zM13 14h2v2h-2z"/>
    <path d="M19 2l1.1 2.9L23 6l-2.9 1.1L19 10l-1.1-2.9L15 6l2.9-1.1z"/>
    <path d="M19 12l.8 2.2L22 15l-2.2.8L19 18l-.8-2.2L16 15l2.2-.8z"/>
  </g>
</svg>`;

export const copilotIcon = new LabIcon({
  name: 'jupyterlab-llmds:copilot',
  svgstr
});

import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-llmds:plugin',
  description: 'Data co-pilot for live kernel DataFrames.',
  autoStart: true,
  activate: (_app: JupyterFrontEnd) => {
    console.log('jupyterlab-llmds is activated');
  }
};

export default plugin;

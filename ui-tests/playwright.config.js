/**
 * Playwright configuration for the jupyterlab-llmds UI tests.
 *
 * Galata's base config, driving Debian's chromium (never `playwright install`)
 * with video off (it needs Playwright's own ffmpeg). Timeouts are generous:
 * these machines have two cores.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  timeout: 180 * 1000,
  expect: { timeout: 30 * 1000 },
  retries: 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'retain-on-failure',
    actionTimeout: 30 * 1000,
    navigationTimeout: 120 * 1000,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: [
    {
      command: 'jlpm start',
      url: 'http://localhost:8888/lab',
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI,
      // JupyterLab's log drowns the test report; LLMDS_SERVER_LOGS=1 shows it.
      stdout: process.env.LLMDS_SERVER_LOGS ? 'pipe' : 'ignore',
      stderr: process.env.LLMDS_SERVER_LOGS ? 'pipe' : 'ignore'
    },
    {
      // The chat tests' JupyterLab: the openai engine pointed at a scripted
      // chat-completions server started inside it (jupyter_server_chat_config.py).
      command: 'jlpm start:chat',
      url: 'http://localhost:8889/lab',
      timeout: 180 * 1000,
      reuseExistingServer: !process.env.CI,
      stdout: process.env.LLMDS_SERVER_LOGS ? 'pipe' : 'ignore',
      stderr: process.env.LLMDS_SERVER_LOGS ? 'pipe' : 'ignore'
    }
  ]
};

"""The static safety check of generated code (``engines/safety.py``): nothing is ever executed."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jupyterlab_llmds import suggest
from jupyterlab_llmds.engines.safety import DEFAULT_ALLOWED_MODULES, FINDING_KINDS, Finding, check_code, is_safe
from shared_data import DATA
from test_clean_engine import messy_frame



def kinds_at(source: str, **kwargs) -> set[tuple[str, int]]:
    return {(finding.kind, finding.line) for finding in check_code(source, **kwargs)}


# (source, kind, line): each source must give at least that finding.
FLAGGED = [
    # shell and process calls
    ("import os\nos.system('ls')", "shell_command", 2),
    ("import os as o\no.system('rm -rf data')", "shell_command", 2),
    ("from os import system as s\n\ns('ls')", "shell_command", 3),
    ("import os\nos.popen('ls').read()", "shell_command", 2),
    ("import os\nos.execvp('ls', ['ls'])", "shell_command", 2),
    ("import os\nos.spawnl(os.P_WAIT, '/bin/ls')", "shell_command", 2),
    ("import subprocess\nsubprocess.run(['ls'])", "shell_command", 2),
    ("from subprocess import run\nx = 1\nrun(['ls'])", "shell_command", 3),
    ("import subprocess as sp\nsp.check_output('id', shell=True)", "shell_command", 2),
    ("import pty\npty.spawn('/bin/sh')", "shell_command", 2),
    ("import shutil\nshutil.rmtree('data')", "file_deletion", 2),
    ("import shutil as sh\nsh.rmtree('data')", "file_deletion", 2),
    ("x = 1\n!ls -la", "shell_command", 2),
    ("x = 1\nfiles = !ls", "shell_command", 2),
    ("if True:\n    !!whoami", "shell_command", 2),
    ("%%bash\nrm -rf /\n", "shell_command", 1),
    ("%%sh\nls\n", "shell_command", 1),
    ("x = 1\n%sh ls", "shell_command", 2),
    ("x = 1\n%system ls", "shell_command", 2),
    ("get_ipython().system('ls')", "shell_command", 1),
    ("ip = get_ipython()\nip.system('ls')", "shell_command", 2),
    ("get_ipython().run_line_magic('sx', 'ls')", "shell_command", 1),
    # file deletion
    ("import os\nos.remove('a.csv')", "file_deletion", 2),
    ("from os import unlink as u\nu('a.csv')", "file_deletion", 2),
    ("import os\nos.rmdir('out')", "file_deletion", 2),
    ("from pathlib import Path\nPath('a.csv').unlink()", "file_deletion", 2),
    ("import pathlib\npathlib.Path('out').rmdir()", "file_deletion", 2),
    # writes outside the working directory
    ("with open('/tmp/x.txt', 'w') as f:\n    f.write('x')", "write_outside_workdir", 1),
    ("f = open('../x.txt', mode='a')", "write_outside_workdir", 1),
    ("f = open('~/notes.txt', 'x')", "write_outside_workdir", 1),
    ("df.to_csv('/tmp/clean.csv')", "write_outside_workdir", 1),
    ("df.to_parquet('~/clean.parquet')", "write_outside_workdir", 1),
    ("df.to_excel('../clean.xlsx', index=False)", "write_outside_workdir", 1),
    ("df.to_json(path_or_buf='C:\\\\Users\\\\x.json')", "write_outside_workdir", 1),
    ("OUT = '/etc/clean.csv'\ndf.to_csv(OUT)", "write_outside_workdir", 2),
    ("df.to_csv(f'/tmp/{name}.csv')", "write_outside_workdir", 1),
    ("from pathlib import Path\nPath('/etc/hosts').write_text('x')", "write_outside_workdir", 2),
    ("from pathlib import Path\n(Path.home() / 'x.bin').write_bytes(b'x')", "write_outside_workdir", 2),
    ("import numpy as np\nnp.save('/tmp/a.npy', a)", "write_outside_workdir", 2),
    ("%%writefile /etc/profile.d/x.sh\necho hi", "write_outside_workdir", 1),
    # non-literal write targets
    ("df.to_csv(path)", "unknown_write_target", 1),
    ("df.to_parquet(f'{folder}/clean.parquet')", "unknown_write_target", 1),
    ("f = open(name, 'w')", "unknown_write_target", 1),
    ("f = open('x.txt', mode)", "unknown_write_target", 1),
    ("p.write_text('x')", "unknown_write_target", 1),
    # network
    ("import socket\ns = socket.socket()", "network_access", 1),
    ("import socket\ns = socket.socket()", "network_access", 2),
    ("import requests\nr = requests.get('https://example.com')", "network_access", 2),
    ("import requests as rq\nrq.post(url, data=df.to_json())", "network_access", 2),
    ("from urllib.request import urlopen\nurlopen('http://x')", "network_access", 2),
    ("import urllib.request as u\nu.urlopen('http://x')", "network_access", 1),
    ("import http.client", "network_access", 1),
    ("from http.client import HTTPSConnection\nHTTPSConnection('x')", "network_access", 2),
    ("import httpx", "network_access", 1),
    ("import aiohttp", "network_access", 1),
    ("import ftplib", "network_access", 1),
    ("from smtplib import SMTP as S\nS('mail')", "network_access", 2),
    ("import pandas as pd\ndf = pd.read_csv('https://example.com/x.csv')", "network_access", 2),
    ("import pandas as p\nURL = 'http://x/y.json'\ndf = p.read_json(URL)", "network_access", 3),
    ("df = pd.read_parquet('s3://bucket/x.parquet')", "network_access", 1),
    ("df.to_csv('s3://bucket/out.csv')", "network_access", 1),
    # code built at run time
    ("x = eval('1 + 1')", "dynamic_code", 1),
    ("exec('x = 1')", "dynamic_code", 1),
    ("code = compile('x = 1', 'f', 'exec')", "dynamic_code", 1),
    ("__import__('os')", "dynamic_code", 1),
    ("import importlib\nm = importlib.import_module('os')", "dynamic_code", 2),
    ("from importlib import import_module as im\nim('os')", "dynamic_code", 2),
    ("getattr(__builtins__, 'eval')('1')", "dynamic_code", 1),
    ("df['a'] = df['a'].map(eval)", "dynamic_code", 1),
    ("e = eval\ny = 2\ne('1')", "dynamic_code", 3),
    ("import os\nf = getattr(os, name)", "dynamic_code", 2),
    ("().__class__.__bases__[0].__subclasses__()", "dynamic_code", 1),
    # imports outside the allowlist
    ("import torch", "disallowed_import", 1),
    ("import os.path", "disallowed_import", 1),
    ("from pickle import loads", "disallowed_import", 1),
    ("import pandas as pd\nimport sys as system_module", "disallowed_import", 2),
    ("from . import helpers", "disallowed_import", 1),
    # secrets
    ("import os\nkey = os.environ['API_KEY']", "secret_access", 2),
    ("import os\nkey = os.environ.get('API_KEY')", "secret_access", 2),
    ("import os as o\nkey = o.getenv('API_KEY')", "secret_access", 2),
    ("from os import environ\nkey = environ['API_KEY']", "secret_access", 2),
    ("from os import getenv as g\nkey = g('API_KEY')", "secret_access", 2),
    ("key = open('~/.ssh/id_rsa').read()", "secret_access", 1),
    ("text = open('/home/u/.netrc').read()", "secret_access", 1),
    ("creds = pd.read_csv('~/.aws/credentials')", "secret_access", 1),
    ("conf = pd.read_csv('.env')", "secret_access", 1),
    ("conf = pd.read_csv('config/.env.local')", "secret_access", 1),
    ("import dotenv", "secret_access", 1),
    ("from dotenv import load_dotenv\nload_dotenv()", "secret_access", 2),
    ("x = 1\n%env", "secret_access", 2),
]


@pytest.mark.parametrize(("source", "kind", "line"), FLAGGED)
def test_flagged_with_kind_and_line(source, kind, line):
    findings = check_code(source)
    assert (kind, line) in {(finding.kind, finding.line) for finding in findings}, findings
    assert not is_safe(source)
    for finding in findings:
        assert finding.kind in FINDING_KINDS
        assert finding.reason and finding.reason.endswith((".", ")")), finding
        assert finding.column >= 1
        assert "\n" not in finding.snippet


def test_every_kind_is_exercised():
    assert {kind for _, kind, _ in FLAGGED} | {"syntax_error", "ipython_magic"} == set(FINDING_KINDS)


def test_finding_to_dict_is_json_safe():
    (finding,) = [f for f in check_code("import os\nos.system('ls')") if f.kind == "shell_command"]
    assert finding == Finding("shell_command", 2, 1, "os.system", finding.reason)
    assert "shell" in finding.reason
    as_dict = finding.to_dict()
    assert list(as_dict) == ["kind", "line", "column", "snippet", "reason"]
    assert json.loads(json.dumps(as_dict)) == as_dict


def test_findings_point_at_the_call_column():
    (finding,) = check_code("df = df.dropna()\ny = eval('1')")
    assert (finding.kind, finding.line, finding.column, finding.snippet) == ("dynamic_code", 2, 5, "eval")


@pytest.mark.parametrize(
    "source",
    [
        "def f(:\n    pass",
        "x = (1,\n",
        "df['a'] = df['a'] +* 2",
        "x = 1\x00",
    ],
)
def test_syntax_error_is_a_finding_not_an_exception(source):
    findings = check_code(source)
    assert [finding.kind for finding in findings] == ["syntax_error"]
    assert findings[0].line >= 1
    assert "not valid Python" in findings[0].reason or "could not be parsed" in findings[0].reason


def test_syntax_error_line_and_shell_lines_both_reported():
    findings = check_code("!rm -rf ~\nx = 1\ny = (2 +\n")
    assert ("shell_command", 1) in {(f.kind, f.line) for f in findings}
    assert any(f.kind == "syntax_error" and f.line >= 3 for f in findings)


def test_syntax_error_reports_its_line():
    (finding,) = check_code("x = 1\ny = 2\nif x\n    y = 3\n")
    assert (finding.kind, finding.line) == ("syntax_error", 3)


ORDINARY = """\
import re
import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler
from collections import Counter

df_clean = df.copy()
df_clean["price"] = pd.to_numeric(df_clean["price"].str.replace(r"[$,]", "", regex=True), errors="coerce")
df_clean["state"] = df_clean["state"].str.strip().str.upper()
df_clean = df_clean.rename(columns={"Price": "price"}).replace({"N/A": np.nan})
df_clean = df_clean.query("price > 0")
df_clean["total"] = df_clean.eval("price * 2")
pattern = re.compile(r"\\d+")
counts = Counter(df_clean["state"])
df_clean.to_csv("out/clean.csv", index=False)
df_clean.to_parquet("clean.parquet")
text = df_clean.to_csv()
OUT = "out/clean.json"
df_clean.to_json(OUT)
with open("out/summary.txt", "w") as handle:
    handle.write(str(counts))
with open("data/raw.csv") as handle:
    header = handle.readline()
raw = pd.read_csv("data/raw.csv")
x = (df_clean["price"]
     % 7)
note = '''
!this is text, not a command
%neither is this
'''
"""


def test_ordinary_pandas_code_is_not_flagged():
    assert check_code(ORDINARY) == []
    assert is_safe(ORDINARY)


def test_relative_write_is_not_flagged():
    assert check_code('df.to_csv("out/clean.csv")') == []
    assert check_code('df_clean.to_csv("out/clean.csv", index=False)\n') == []


def test_harmless_magics_and_python_magics():
    assert check_code("%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1])") == []
    assert check_code("df?\n%time y = df.dropna()") == []
    assert kinds_at("%time y = eval('1')") == {("dynamic_code", 1)}
    assert kinds_at("%%time\nimport os\n") == {("disallowed_import", 2)}
    assert kinds_at("%%timeit\nx = 1\n") == set()
    assert kinds_at("x = 1\n%frobnicate now") == {("ipython_magic", 2)}


def test_working_directory_allows_absolute_paths_inside_it():
    source = "df.to_csv('/home/u/project/out/clean.csv')"
    assert kinds_at(source) == {("write_outside_workdir", 1)}
    assert check_code(source, working_directory="/home/u/project") == []
    assert check_code(source, working_directory=Path("/home/u/project/")) == []
    assert kinds_at(source, working_directory="/home/u/other") == {("write_outside_workdir", 1)}
    assert kinds_at("df.to_csv('/home/u/project/../secret.csv')", working_directory="/home/u/project") == {
        ("write_outside_workdir", 1)
    }


def test_allowed_modules_can_be_widened_but_dangerous_calls_stay_flagged():
    assert kinds_at("import os") == {("disallowed_import", 1)}
    assert check_code("import os", allowed_modules=DEFAULT_ALLOWED_MODULES | {"os"}) == []
    assert kinds_at("import os\nos.system('ls')", allowed_modules={"os"}) == {("shell_command", 2)}
    assert kinds_at("import pandas", allowed_modules={"numpy"}) == {("disallowed_import", 1)}


def test_default_allowlist_and_submodules():
    for module in DEFAULT_ALLOWED_MODULES:
        assert check_code(f"import {module}") == [], module
    assert check_code("import sklearn.model_selection\nfrom scipy import stats\nimport pandas.api.types") == []
    assert check_code("from __future__ import annotations") == []


def test_bare_variable_named_like_a_module_is_not_flagged():
    source = "requests = df['requests']\nsocket = requests.sum()\nprint(socket)"
    assert check_code(source) == []


def test_nothing_is_executed(tmp_path):
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').write('x')\n__import__('os').system('touch {marker}')"
    assert not is_safe(source)
    assert not marker.exists()


def joined_code(frame: pd.DataFrame, task: str, name: str = "df") -> str:
    suggestion = suggest(frame, task=task, name=name)
    return "\n\n".join(cell.source for cell in suggestion.cells if cell.cell_type == "code")


@pytest.mark.parametrize("task", ["clean", "validate"])
@pytest.mark.parametrize("name", ["df", "sales"])
def test_builtin_engine_code_for_a_messy_frame_is_clean(task, name):
    code = joined_code(messy_frame(), task, name)
    assert code.strip()
    assert check_code(code) == []


@pytest.mark.parametrize("task", ["clean", "validate"])
@pytest.mark.parametrize("load", [{}, {"dtype": str, "keep_default_na": False}], ids=["default", "raw_text"])
@pytest.mark.parametrize("dataset", ["hospital", "flights"])
def test_builtin_engine_code_on_real_tables_is_clean(dataset, load, task):
    frame = pd.read_csv(DATA / dataset / "dirty.csv", **load)
    code = joined_code(frame, task)
    assert code.strip()
    assert check_code(code) == []

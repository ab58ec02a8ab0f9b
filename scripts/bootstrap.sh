#!/bin/sh
# Creates or updates .venv with the project's dev install (`make .venv`; every make target that
# needs the environment runs it first).
#
#   scripts/bootstrap.sh PYTHON VENV INSTALLER
#
# PYTHON is the interpreter that creates a new .venv; INSTALLER is `uv` (installed into .venv from
# PyPI, pinned in constraints.txt; falls back to pip if that fails) or `pip`. It checks the
# interpreter against pyproject.toml's requires-python before creating anything, says what it is
# doing, and leaves no half-made .venv behind when a step fails or is interrupted: the next `make`
# starts over instead of failing on a broken environment. Output of pip and uv goes to
# build/bootstrap.log and is shown when a step fails.
set -u

python=${1:?usage: bootstrap.sh PYTHON VENV INSTALLER}
venv=${2:?usage: bootstrap.sh PYTHON VENV INSTALLER}
installer=${3:-uv}
log=build/bootstrap.log
started=$(date +%s)

say() { echo "bootstrap: $*"; }
# A failure before anything was touched: the one line is the whole story.
refuse() {
    trap - EXIT
    say "$*" >&2
    exit 1
}

# The minimum version is written once, in pyproject.toml.
minimum=$(sed -n 's/^requires-python *= *">= *\([0-9][0-9.]*\)".*/\1/p' pyproject.toml)
if [ -z "$minimum" ]; then
    echo "bootstrap: cannot read requires-python from pyproject.toml" >&2
    exit 1
fi
minimum_tuple=$(echo "$minimum" | sed 's/\./, /g')

# Prints "VERSION PATH" of an interpreter, and succeeds only if it is new enough. Written so that
# any Python, even 2.7, can run it and answer.
probe() {
    "$1" -c "import sys; print('%d.%d.%d %s' % (sys.version_info[0], sys.version_info[1], sys.version_info[2], sys.executable)); sys.exit(0 if sys.version_info[:3] >= ($minimum_tuple,) else 3)" 2>/dev/null
}

mkdir -p build
: >"$log"

created=""
cleanup() {
    status=$?
    trap - EXIT INT TERM
    if [ "$status" -ne 0 ]; then
        if [ -s "$log" ]; then
            echo "bootstrap: last lines of $log:" >&2
            tail -n 25 "$log" >&2
        fi
        if [ -n "$created" ]; then
            rm -rf "$venv"
            say "FAILED; removed the half-made $venv, so the next make starts afresh" >&2
        else
            say "FAILED; $venv was kept as it was (its install stamp is not renewed, so the next make retries)" >&2
        fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -x "$venv/bin/python" ]; then
    found=$(probe "$venv/bin/python")
    case $? in
        0) ;;
        3) refuse "$venv has Python ${found%% *}, older than the $minimum this project needs: run make clean, then make PYTHON=/path/to/python3.13 (any $minimum+ interpreter)" ;;
        *) refuse "$venv/bin/python does not run: run make clean, then make again" ;;
    esac
    say "updating $venv (Python ${found%% *})"
else
    found=$(probe "$python")
    case $? in
        0) ;;
        3) refuse "Python ${found%% *} at ${found#* } is too old: this project needs Python $minimum or newer; pick one with make PYTHON=/path/to/python3.13 (any $minimum+ interpreter)" ;;
        *) refuse "cannot run '$python': this project needs Python $minimum or newer; pick one with make PYTHON=/path/to/python3.13" ;;
    esac
    say "creating $venv with Python ${found%% *} at ${found#* } (make PYTHON=... picks another)"
    created=yes
    if ! "$python" -m venv "$venv" >>"$log" 2>&1; then
        say "'$python -m venv' failed (on Debian and Ubuntu: apt-get install python3-venv)" >&2
        exit 1
    fi
fi

pip_install() {
    "$venv/bin/python" -m pip install --disable-pip-version-check "$@" >>"$log" 2>&1
}

if [ "$installer" = uv ] && [ ! -x "$venv/bin/uv" ]; then
    say "installing uv into $venv (pinned in constraints.txt; it installs the rest several times faster than pip)"
    if ! pip_install -c constraints.txt uv; then
        say "could not install uv; falling back to pip"
        installer=pip
    fi
fi

say "installing the project (-e '.[dev]') and its pinned dependencies (constraints.txt) with $installer; log in $log"
if [ "$installer" = uv ]; then
    # --reinstall-package: rebuild the editable install every time, whatever uv's cache says: strict
    # editable mode links file by file, and a module added since the last install must be linked.
    "$venv/bin/uv" pip install --python "$venv/bin/python" -c constraints.txt -e '.[dev]' \
        --config-settings editable_mode=strict --reinstall-package impilo-client >>"$log" 2>&1 || exit 1
else
    pip_install -c constraints.txt -e '.[dev]' --config-settings editable_mode=strict || exit 1
fi

say "$venv ready in $(($(date +%s) - started)) s ($installer)"

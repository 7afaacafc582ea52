# Sourced by scripts/run and scripts/test: make .venv with the requirements installed.
# Reinstalls only when a requirements file changed since the last install.

find_python() {
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)." >&2
    return 1
}

ensure_venv() {
    local requirements="$1"
    local python
    if [ ! -x .venv/bin/python ]; then
        python=$(find_python)
        echo "Creating the virtualenv in .venv with $python"
        "$python" -m venv .venv
    fi
    local stamp=.venv/.requirements.sha256
    local wanted
    wanted=$(cat requirements/*.txt | sha256sum | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "Installing $requirements into .venv"
        # (this machine's pip config names local indexes that may be absent: hide that noise)
        .venv/bin/python -m pip install --quiet --upgrade pip 2> >(grep -v "^WARNING: Location" >&2)
        .venv/bin/python -m pip install --quiet -r "$requirements" 2> >(grep -v "^WARNING: Location" >&2)
        echo "$wanted" >"$stamp"
    fi
}

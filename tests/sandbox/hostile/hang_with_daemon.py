# A hostile activations.py for the kill tests: a setsid daemon, then a hang, so the grader is killed mid-job.
import os
import time


def sigmoid(x):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(0.1)
        os._exit(0)
    while True:
        pass

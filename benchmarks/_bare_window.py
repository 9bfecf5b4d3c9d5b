"""The start-up baseline, run as a script: a bare PySide6 window, shown until killed.

``python benchmarks/_bare_window.py``: a ``QMainWindow`` with a ``QLabel`` at the app's default
size (1400 x 820, ``MainWindow``'s first size), nothing else (no event filter, no benchmark
package imported), so that the start-up benchmark can time it from outside exactly as it
times ``verify-desk``.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("Bare")
window.setCentralWidget(QLabel("Hello"))
window.resize(1400, 820)
window.show()
sys.exit(app.exec())

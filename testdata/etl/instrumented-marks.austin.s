# duration: 2100
# mode: wall
P100;T11;<thread>:PythonThread:0;app.py:main:1 100
P100;T11;<thread>:PythonThread:0;app.py:main:5 100
P100;T11;<thread>:PythonThread:0;app.py:main:5;app.py:work:10 200
P100;T11;<thread>:PythonThread:0;app.py:main:5;app.py:work:12 100
P100;T11;<thread>:PythonThread:0;app.py:main:5;app.py:work:12;app.py:helper:20 300
P100;T11;<thread>:PythonThread:0;app.py:main:5;app.py:work:13 150
P100;T11;<thread>:PythonThread:0;app.py:main:5;app.py:work:13;builtins:len:0 50
P100;T12;app.py:main:1 300
P100;T12;app.py:main:1;app.py:work:14 300
P100;T12;app.py:main:1;app.py:work:14;app.py:helper:20 300
P200;T21;<thread>:PythonThread:0;<mark>:phase:0;other.py:<module>:1 100
P200;T21;<thread>:PythonThread:0;<mark>:phase:0;other.py:<module>:7;other.py:loop:3 400
P200;T21;<thread>:PythonThread:0;other.py:<module>:1 100
P200;T21;<thread>:PythonThread:0;other.py:<module>:7;other.py:loop:3 300

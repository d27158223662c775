# duration: 2100
# mode: wall
P100;T11;app.py:main:1 100
P100;T11;app.py:main:5 100
P100;T11;app.py:main:5;app.py:work:10 200
P100;T11;app.py:main:5;app.py:work:12 100
P100;T11;app.py:main:5;app.py:work:12;app.py:helper:20 300
P100;T11;app.py:main:5;app.py:work:13 150
P100;T11;app.py:main:5;app.py:work:13 50
P100;T12;app.py:main:1 300
P100;T12;app.py:main:1;app.py:work:14 300
P100;T12;app.py:main:1;app.py:work:14;app.py:helper:20 300
P200;T21;other.py:<module>:1 200
P200;T21;other.py:<module>:7;other.py:loop:3 700

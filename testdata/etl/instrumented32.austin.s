# duration: 2000
# mode: wall
P100;T11;app.py:main:1 100
P100;T11;app.py:main:5 100
P100;T11;app.py:main:5;app.py:work:10 200
P100;T11;app.py:main:5;app.py:work:12 100
P100;T11;app.py:main:5;app.py:work:12;app.py:helper:20 300
P100;T11;app.py:main:5;app.py:work:13 150
P100;T11;app.py:main:5;app.py:work:13;builtins:len:0 50

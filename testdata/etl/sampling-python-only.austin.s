# duration: 5002
# interval: 500
# mode: cpu
P300;T31;a.py:<module>:1 500
P300;T31;a.py:<module>:1 500
P300;T31;a.py:<module>:1;a.py:f:5 500
P300;T31;a.py:<module>:1;a.py:f:5 500
P300;T31;a.py:<module>:1;a.py:f:5 500
P400;T41;b.py:main:1;b.py:g:9 500
P400;T41;b.py:main:1;b.py:g:9 500

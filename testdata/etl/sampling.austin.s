# duration: 5002
# interval: 500
# mode: cpu
P0;T0;kernel:ntoskrnl.exe+0x4000:0 500
P300;T31;a.py:<module>:1 500
P300;T31;a.py:<module>:1;a.py:f:5 500
P300;T31;a.py:<module>:1;a.py:f:5 500
P300;T31;native@0x7ff800003000:python311.dll+0x3000:0;a.py:<module>:1;kernel:ntoskrnl.exe+0x2000:0;kernel:ntoskrnl.exe+0x1000:0 500
P300;T31;native@0x7ff800003000:python311.dll+0x3000:0;a.py:<module>:1;native@0x7ff800002000:python311.dll+0x2000:0;a.py:f:5;native@0x7ff800001000:python311.dll+0x1000:0 500
P400;T41;b.py:main:1;b.py:g:9;kernel:ntoskrnl.exe+0x3000:0 500
P400;T41;native@0x7ff900003000:python311.dll+0x3000:0;b.py:main:1;native@0x7ff900002000:python311.dll+0x2000:0;b.py:g:9;native@0x7ff900001000:python311.dll+0x1000:0 500
native@0x12345:<unknown>:0 500

print("AC")
print("ok accepted")

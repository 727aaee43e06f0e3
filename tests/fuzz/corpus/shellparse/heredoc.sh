cat <<EOF > out.txt
hello $HOME $(whoami)
EOF
cat <<-'END'
	x
	END
bash <<X
rm -rf /
X

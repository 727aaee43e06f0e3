cat <<EOF
no end